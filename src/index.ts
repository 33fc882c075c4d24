/**
 * second-factor: what apps use besides their adapter (`second-factor/express`, `second-factor/koa`):
 * the option and event types, the errors, the provider interface, the budgets, and helpers apps call
 * directly (`safeReturnTo`, `escapeHtml`, `renderDefaultPage`, `secondFactorStatus`), and the factor
 * store (`FactorStore`, `createFactorStore`, `migrate`). What only an
 * adapter author needs (the core factory, the boundary types, `readBody`, `NEXT`) is in
 * `second-factor/adapter`.
 */

export type { GuardPolicy, SecondFactorUser } from "./boundary.js";
export { type CodeLength, DEFAULT_CODE_LENGTH } from "./code.js";
export { type Duration, parseDuration } from "./duration.js";
export { ErrorCodes, isSecondFactorError, SecondFactorError, type SecondFactorErrorCode } from "./errors.js";
export type { FlowAction, SecondFactorEvent, SecondFactorEventType, SecondFactorLogger } from "./events.js";
export { type LocalTotpOptions, localTotp } from "./factors/local-totp.js";
export type { WebAuthnOptions } from "./factors/passkey/webauthn-config.js";
export { type SecretBox, type SecretBoxOptions, secretBox } from "./factors/secret-box.js";
export {
  type BudgetKeys,
  type BudgetOutcome,
  type BudgetRule,
  type BudgetScope,
  type CheckHold,
  createLimits,
  FAIL_CLOSED_REDIS_CLUSTER_OPTIONS,
  FAIL_CLOSED_REDIS_OPTIONS,
  type Limits,
  type LimitsOptions,
  type LockStatus,
  MAX_REDIS_COMMAND_TIMEOUT_MS,
  type RedisClientLike,
} from "./limits/index.js";
export { maskDestination } from "./mask.js";
export { DEFAULTS, type PagesOptions, type SecondFactorOptions, type UserCallback } from "./options/index.js";
export type { TotpOptions } from "./options/totp-option.js";
export { escapeHtml } from "./pages/escape.js";
export { DEFAULT_MESSAGES, type MessageCatalog, type MessageKey } from "./pages/messages.js";
export { otpauthQrSvg } from "./pages/qr-svg.js";
export { renderDefaultPage } from "./pages/render.js";
export type {
  ChallengePageView,
  ChallengeState,
  ChannelOption,
  PageError,
  PageView,
  PasskeyScriptView,
  PasskeySetupView,
  PasskeyView,
  PendingView,
  ProblemPageView,
  TotpSetupPageView,
} from "./pages/view.js";
export {
  type BlockReason,
  type CancelVerificationResult,
  CHANNELS,
  type Channel,
  type CheckVerificationResult,
  type RateLimitReason,
  type StartVerificationRequest,
  type StartVerificationResult,
  type VerificationProvider,
} from "./providers/index.js";
export type {
  TotpCodeRequest,
  TotpConfirmResult,
  TotpEnrolment,
  TotpProvider,
  TotpRefusal,
  TotpRemoveResult,
  TotpSecretRef,
  TotpSingleUse,
  TotpVerifyResult,
} from "./providers/totp-provider.js";
export { CHECKS_PER_VERIFICATION, type SecondFactorRecord } from "./record/index.js";
export { safeReturnTo } from "./record/return-to.js";
export {
  type NotVerifiedStatus,
  type PendingStatus,
  type SecondFactorStatus,
  type SecondFactorStatusOptions,
  type SecondFactorStepUpStatus,
  type StepUpWindow,
  secondFactorStatus,
  type VerifiedStatus,
} from "./status.js";
export {
  type AddFactorResult,
  type ConsumeRecoveryCodeResult,
  createFactorStore,
  createMemoryFactorStore,
  createPostgresFactorStore,
  createRedisFactorStore,
  type EmailFactor,
  FACTOR_STORE_SCHEMA_SQL,
  FAIL_CLOSED_PG_POOL_OPTIONS,
  type Factor,
  type FactorBase,
  type FactorKind,
  type FactorStore,
  type FactorStoreContext,
  type FactorStoreOption,
  migrate,
  type NewFactor,
  type NewTrustedDevice,
  type PasskeyCounterResult,
  type PasskeyFactor,
  type PgClientLike,
  type PgPoolLike,
  type PhoneFactor,
  type RecoveryCodeSet,
  type RedisFactorStoreOptions,
  type RemoveFactorOptions,
  type RemoveFactorResult,
  type TotpFactor,
  type TotpSecret,
  type TrustedDevice,
} from "./stores/index.js";
