-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "amountCaptured" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "PaymentStatusChange" (
    "id" UUID NOT NULL,
    "paymentId" UUID NOT NULL,
    "from" "PaymentStatus",
    "to" "PaymentStatus" NOT NULL,
    "amountCaptured" INTEGER NOT NULL,
    "amountRefunded" INTEGER NOT NULL,
    "cause" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaymentStatusChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PaymentStatusChange_paymentId_createdAt_idx" ON "PaymentStatusChange"("paymentId", "createdAt");

-- AddForeignKey
ALTER TABLE "PaymentStatusChange" ADD CONSTRAINT "PaymentStatusChange_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Payments paid before amounts were recorded captured their whole amount.
UPDATE "Payment" SET "amountCaptured" = "amount" WHERE "status" IN ('PAID', 'REFUNDED', 'PARTIALLY_REFUNDED');
