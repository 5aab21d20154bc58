-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "lastFailure" TEXT;

