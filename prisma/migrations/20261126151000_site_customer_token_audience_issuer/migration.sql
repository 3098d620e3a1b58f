-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "customerTokenAudience" TEXT,
ADD COLUMN     "customerTokenIssuer" TEXT;
