-- CreateEnum
CREATE TYPE "CalendlyConnectionStatus" AS ENUM ('CONNECTED', 'DISCONNECTED');

-- AlterTable
ALTER TABLE "Builder" ADD COLUMN     "calendlyConnectionStatus" "CalendlyConnectionStatus";

-- AlterTable
ALTER TABLE "SessionType" ADD COLUMN     "calendlyEventTypeUri" TEXT,
ADD COLUMN     "calendlyEventUrl" TEXT;

-- CreateTable
CREATE TABLE "CalendlyConnection" (
    "id" UUID NOT NULL,
    "builderId" UUID NOT NULL,
    "calendlyUserUri" TEXT NOT NULL,
    "calendlyUserName" TEXT NOT NULL,
    "calendlyOrganizationUri" TEXT NOT NULL,
    "scopes" TEXT[],
    "accessTokenCiphertext" TEXT NOT NULL,
    "refreshTokenCiphertext" TEXT NOT NULL,
    "tokenKeyId" TEXT NOT NULL,
    "accessTokenExpiresAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "CalendlyConnectionStatus" NOT NULL DEFAULT 'CONNECTED',
    "statusReason" TEXT,
    "webhookSubscriptionUri" TEXT,
    "webhookState" TEXT,
    "webhookCheckedAt" TIMESTAMPTZ(3),
    "connectedAt" TIMESTAMPTZ(3) NOT NULL,
    "refreshedAt" TIMESTAMPTZ(3),
    "disconnectedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CalendlyConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CalendlyOAuthState" (
    "stateHash" TEXT NOT NULL,
    "builderId" UUID NOT NULL,
    "partnerKeyId" UUID,
    "codeVerifierCiphertext" TEXT NOT NULL,
    "tokenKeyId" TEXT NOT NULL,
    "returnUrl" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalendlyOAuthState_pkey" PRIMARY KEY ("stateHash")
);

-- CreateIndex
CREATE UNIQUE INDEX "CalendlyConnection_builderId_key" ON "CalendlyConnection"("builderId");

-- CreateIndex
CREATE INDEX "CalendlyConnection_status_idx" ON "CalendlyConnection"("status");

-- CreateIndex
CREATE INDEX "CalendlyOAuthState_builderId_idx" ON "CalendlyOAuthState"("builderId");

-- CreateIndex
CREATE INDEX "CalendlyOAuthState_expiresAt_idx" ON "CalendlyOAuthState"("expiresAt");

-- AddForeignKey
ALTER TABLE "CalendlyConnection" ADD CONSTRAINT "CalendlyConnection_builderId_fkey" FOREIGN KEY ("builderId") REFERENCES "Builder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CalendlyOAuthState" ADD CONSTRAINT "CalendlyOAuthState_builderId_fkey" FOREIGN KEY ("builderId") REFERENCES "Builder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

