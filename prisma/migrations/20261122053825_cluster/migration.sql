-- CreateEnum
CREATE TYPE "RuntimeKind" AS ENUM ('process', 'oci');

-- CreateEnum
CREATE TYPE "InstanceKind" AS ENUM ('service', 'oneoff');

-- CreateEnum
CREATE TYPE "DesiredState" AS ENUM ('running', 'stopped');

-- CreateEnum
CREATE TYPE "InstancePhase" AS ENUM ('pending', 'starting', 'running', 'crashloop', 'exited', 'failed', 'lost');

-- CreateEnum
CREATE TYPE "RolloutStatus" AS ENUM ('progressing', 'complete', 'failed');

-- AlterTable
ALTER TABLE "App" ADD COLUMN     "runtime" "RuntimeKind" NOT NULL DEFAULT 'process';

-- CreateTable
CREATE TABLE "Node" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" BYTEA NOT NULL,
    "address" TEXT NOT NULL,
    "cpuMillis" INTEGER NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "runtimes" TEXT[],
    "cordoned" BOOLEAN NOT NULL DEFAULT false,
    "leaseRenewedAt" TIMESTAMPTZ(3) NOT NULL,
    "ready" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "draining" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Formation" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "processType" TEXT NOT NULL,
    "replicas" INTEGER NOT NULL,
    "cpuMillis" INTEGER NOT NULL DEFAULT 250,
    "memoryMb" INTEGER NOT NULL DEFAULT 256,
    "maxSurge" TEXT NOT NULL DEFAULT '25%',
    "maxUnavailable" TEXT NOT NULL DEFAULT '0',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Formation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Instance" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "namespaceId" UUID NOT NULL,
    "processType" TEXT NOT NULL,
    "releaseVersion" INTEGER NOT NULL,
    "kind" "InstanceKind" NOT NULL DEFAULT 'service',
    "command" TEXT,
    "cpuMillis" INTEGER NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "nodeId" UUID,
    "desiredState" "DesiredState" NOT NULL DEFAULT 'running',
    "drainingSince" TIMESTAMPTZ(3),
    "phase" "InstancePhase" NOT NULL DEFAULT 'pending',
    "ready" BOOLEAN NOT NULL DEFAULT false,
    "restarts" INTEGER NOT NULL DEFAULT 0,
    "exitCode" INTEGER,
    "reason" TEXT,
    "message" TEXT,
    "port" INTEGER,
    "cpuPercent" DOUBLE PRECISION,
    "memoryBytes" BIGINT,
    "resourceVersion" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3),
    "readyAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "evicted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rollout" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "releaseVersion" INTEGER NOT NULL,
    "previousVersion" INTEGER,
    "status" "RolloutStatus" NOT NULL DEFAULT 'progressing',
    "reason" TEXT,
    "deadlineAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Event" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" UUID,
    "appId" UUID,
    "nodeId" UUID,
    "type" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LeaderLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "renewedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LeaderLease_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE UNIQUE INDEX "Node_name_key" ON "Node"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Node_tokenHash_key" ON "Node"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Formation_appId_processType_key" ON "Formation"("appId", "processType");

-- CreateIndex
CREATE INDEX "Instance_appId_processType_idx" ON "Instance"("appId", "processType");

-- CreateIndex
CREATE INDEX "Instance_nodeId_resourceVersion_idx" ON "Instance"("nodeId", "resourceVersion");

-- CreateIndex
CREATE INDEX "Instance_tenantId_idx" ON "Instance"("tenantId");

-- CreateIndex
CREATE INDEX "Rollout_appId_createdAt_idx" ON "Rollout"("appId", "createdAt");

-- CreateIndex
CREATE INDEX "Event_appId_createdAt_idx" ON "Event"("appId", "createdAt");

-- CreateIndex
CREATE INDEX "Event_tenantId_createdAt_idx" ON "Event"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "Formation" ADD CONSTRAINT "Formation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Formation" ADD CONSTRAINT "Formation_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

