-- AlterTable
ALTER TABLE "App" ADD COLUMN     "currentReleaseVersion" INTEGER,
ADD COLUMN     "releaseCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Release" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "imageDigest" TEXT NOT NULL,
    "processTypes" JSONB NOT NULL,
    "configVersion" INTEGER NOT NULL,
    "configSnapshot" BYTEA NOT NULL,
    "description" TEXT NOT NULL,
    "actorUserId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Release_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Release_tenantId_idx" ON "Release"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "Release_appId_version_key" ON "Release"("appId", "version");

-- AddForeignKey
ALTER TABLE "Release" ADD CONSTRAINT "Release_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Release" ADD CONSTRAINT "Release_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

