-- AlterEnum
ALTER TYPE "WebhookProvider" ADD VALUE 'STRIPE_CONNECT';

-- CreateEnum
CREATE TYPE "PayoutStatus" AS ENUM ('ONBOARDING', 'ENABLED', 'RESTRICTED', 'DISCONNECTED');

-- AlterTable
ALTER TABLE "Builder" ADD COLUMN     "allowPromotionCodes" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "allowPromotionCodes" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "applicationFeeAmount" INTEGER,
ADD COLUMN     "destinationAccountId" TEXT,
ADD COLUMN     "transferId" TEXT;

-- CreateTable
CREATE TABLE "PayoutAccount" (
    "id" UUID NOT NULL,
    "builderId" UUID NOT NULL,
    "stripeAccountId" TEXT,
    "status" "PayoutStatus" NOT NULL DEFAULT 'ONBOARDING',
    "statusReason" TEXT,
    "livemode" BOOLEAN NOT NULL DEFAULT false,
    "accountEventAt" TIMESTAMPTZ(3),
    "payoutFailedAt" TIMESTAMPTZ(3),
    "payoutFailureCode" TEXT,
    "deauthorizedAt" TIMESTAMPTZ(3),
    "feePercentBps" INTEGER,
    "feeFixedAmount" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PayoutAccount_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PayoutAccount_builderId_key" ON "PayoutAccount"("builderId");

-- CreateIndex
CREATE UNIQUE INDEX "PayoutAccount_stripeAccountId_key" ON "PayoutAccount"("stripeAccountId");

-- CreateIndex
CREATE INDEX "PayoutAccount_status_idx" ON "PayoutAccount"("status");

-- AddForeignKey
ALTER TABLE "PayoutAccount" ADD CONSTRAINT "PayoutAccount_builderId_fkey" FOREIGN KEY ("builderId") REFERENCES "Builder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A fee override is all or nothing, and never negative.
ALTER TABLE "PayoutAccount" ADD CONSTRAINT "PayoutAccount_fee_override_check"
  CHECK (("feePercentBps" IS NULL) = ("feeFixedAmount" IS NULL)
     AND ("feePercentBps" IS NULL OR "feePercentBps" BETWEEN 0 AND 10000)
     AND ("feeFixedAmount" IS NULL OR "feeFixedAmount" >= 0));
