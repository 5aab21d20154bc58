-- CreateEnum
CREATE TYPE "PostdeployStatus" AS ENUM ('running', 'succeeded', 'failed');

-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "formation" JSONB,
ADD COLUMN     "postdeploy" TEXT;

-- CreateTable
CREATE TABLE "Postdeploy" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "releaseVersion" INTEGER NOT NULL,
    "command" TEXT NOT NULL,
    "instanceId" UUID,
    "status" "PostdeployStatus" NOT NULL DEFAULT 'running',
    "exitCode" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Postdeploy_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Postdeploy_appId_key" ON "Postdeploy"("appId");

-- AddForeignKey
ALTER TABLE "Postdeploy" ADD CONSTRAINT "Postdeploy_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Postdeploy" ADD CONSTRAINT "Postdeploy_appId_tenantId_fkey" FOREIGN KEY ("appId", "tenantId") REFERENCES "App"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

