-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "cachedImages" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "Autoscaler" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "processType" TEXT NOT NULL,
    "minReplicas" INTEGER NOT NULL,
    "maxReplicas" INTEGER NOT NULL,
    "targetCpuPercent" INTEGER,
    "targetConcurrency" DOUBLE PRECISION,
    "targetRps" DOUBLE PRECISION,
    "behavior" JSONB NOT NULL DEFAULT '{}',
    "idleTimeoutMs" INTEGER NOT NULL DEFAULT 30000,
    "scaledToZeroAt" TIMESTAMPTZ(3),
    "lastScaleAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Autoscaler_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InstanceUsage" (
    "tenantId" UUID NOT NULL,
    "namespaceId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "namespaceName" TEXT NOT NULL,
    "appName" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "cpuMillis" INTEGER NOT NULL,
    "instanceSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InstanceUsage_pkey" PRIMARY KEY ("appId","hour","memoryMb","cpuMillis")
);

-- CreateTable
CREATE TABLE "RequestUsage" (
    "tenantId" UUID NOT NULL,
    "namespaceId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "namespaceName" TEXT NOT NULL,
    "appName" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "requests" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RequestUsage_pkey" PRIMARY KEY ("appId","hour")
);

-- CreateTable
CREATE TABLE "UsageCursor" (
    "id" TEXT NOT NULL,
    "accountedUntil" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "UsageCursor_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Autoscaler_tenantId_idx" ON "Autoscaler"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "Autoscaler_appId_processType_key" ON "Autoscaler"("appId", "processType");

-- CreateIndex
CREATE INDEX "InstanceUsage_tenantId_hour_idx" ON "InstanceUsage"("tenantId", "hour");

-- CreateIndex
CREATE INDEX "RequestUsage_tenantId_hour_idx" ON "RequestUsage"("tenantId", "hour");

-- AddForeignKey
ALTER TABLE "Autoscaler" ADD CONSTRAINT "Autoscaler_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Autoscaler" ADD CONSTRAINT "Autoscaler_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstanceUsage" ADD CONSTRAINT "InstanceUsage_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestUsage" ADD CONSTRAINT "RequestUsage_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

