-- CreateEnum
CREATE TYPE "BuildStatus" AS ENUM ('queued', 'building', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "Build" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "status" "BuildStatus" NOT NULL DEFAULT 'queued',
    "commit" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "sourcePath" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "heartbeatAt" TIMESTAMPTZ(3),
    "stack" TEXT,
    "imageDigest" TEXT,
    "imageSizeBytes" INTEGER,
    "releaseVersion" INTEGER,
    "failureReason" TEXT,
    "output" TEXT NOT NULL DEFAULT '',
    "actorUserId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Build_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Build_appId_createdAt_idx" ON "Build"("appId", "createdAt");

-- CreateIndex
CREATE INDEX "Build_tenantId_status_idx" ON "Build"("tenantId", "status");

-- CreateIndex
CREATE INDEX "Build_status_heartbeatAt_idx" ON "Build"("status", "heartbeatAt");

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

