-- Pay first, then book: a builder's chosen flow, pay-first bookings (no Calendly URIs until booked),
-- and the Scheduling API calls each builder's budget is counted from.
-- CreateEnum
CREATE TYPE "BookingFlow" AS ENUM ('EMBEDDED', 'PAY_FIRST');

-- CreateEnum
CREATE TYPE "SchedulingCallOutcome" AS ENUM ('BOOKED', 'SLOT_TAKEN', 'RATE_LIMITED', 'FAILED');

-- AlterEnum


ALTER TYPE "BookingStatus" ADD VALUE 'SCHEDULING';
ALTER TYPE "BookingStatus" ADD VALUE 'NEEDS_NEW_TIME';

-- AlterEnum
ALTER TYPE "SideEffectKind" ADD VALUE 'BOOK_CALENDLY_INVITEE';

-- AlterTable
ALTER TABLE "Builder" ADD COLUMN     "bookingFlow" "BookingFlow";

-- AlterTable
ALTER TABLE "Booking" ADD COLUMN     "calendlyEventTypeUri" TEXT,
ADD COLUMN     "flow" "BookingFlow" NOT NULL DEFAULT 'EMBEDDED',
ADD COLUMN     "questionsAndAnswers" JSONB,
ADD COLUMN     "rebookBy" TIMESTAMPTZ(3),
ALTER COLUMN "calendlyEventUri" DROP NOT NULL,
ALTER COLUMN "calendlyInviteeUri" DROP NOT NULL;

-- CreateTable
CREATE TABLE "SchedulingApiCall" (
    "id" UUID NOT NULL,
    "builderId" UUID NOT NULL,
    "bookingId" UUID,
    "outcome" "SchedulingCallOutcome" NOT NULL,
    "retryAt" TIMESTAMPTZ(3),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SchedulingApiCall_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SchedulingApiCall_builderId_at_idx" ON "SchedulingApiCall"("builderId", "at");

-- AddForeignKey
ALTER TABLE "SchedulingApiCall" ADD CONSTRAINT "SchedulingApiCall_builderId_fkey" FOREIGN KEY ("builderId") REFERENCES "Builder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

