/** The JSON body Twilio sends with an error (the SDK turns it into a `RestException`). */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** An error the emulator answers with, in Twilio's shape. */
export class TwilioApiError extends Error {
  /** Twilio's error code, e.g. 60200. */
  readonly code: number;
  /** The HTTP status. */
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`, `Allow`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: number, status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "TwilioApiError";
    this.code = code;
    this.status = status;
    this.headers = headers;
  }

  /** The response body. */
  toJSON(): TwilioErrorBody {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
  }
}

/**
 * Twilio's HTTP status and message for the codes a Verify OTP flow meets. The codes 204xx beyond
 * Twilio's own (20408, 20413, 20415) are the emulator's, for transport errors Twilio never shows.
 */
const KNOWN: ReadonlyMap<number, { status: number; message: string }> = new Map([
  [20003, { status: 401, message: "Authenticate" }],
  [20004, { status: 405, message: "Method not allowed" }],
  [20403, { status: 403, message: "Forbidden" }],
  [20404, { status: 404, message: "The requested resource was not found" }],
  [20408, { status: 408, message: "Request body not received in time" }],
  [20413, { status: 413, message: "Request body too large" }],
  [20415, { status: 415, message: "Unsupported Content-Type: use application/x-www-form-urlencoded" }],
  [20429, { status: 429, message: "Too many requests" }],
  [20500, { status: 500, message: "Internal Server Error" }],
  [20503, { status: 503, message: "Service Unavailable" }],
  [60200, { status: 400, message: "Invalid parameter" }],
  [60202, { status: 429, message: "Max check attempts reached" }],
  [60203, { status: 429, message: "Max send attempts reached" }],
  [60205, { status: 403, message: "SMS is not supported by landline phone number" }],
  [60212, { status: 429, message: "Too many concurrent requests for phone number" }],
  [60217, { status: 400, message: "Invalid Service configuration: add an email integration first" }],
  [60221, { status: 400, message: "No target verification specified" }],
  [60223, { status: 400, message: "Delivery channel disabled" }],
  // 60410's status is not on Twilio's page; 403 matches the other delivery blocks.
  [
    60410,
    {
      status: 403,
      message:
        "The destination phone number has been temporarily blocked by Twilio due to fraudulent activities",
    },
  ],
  [60412, { status: 403, message: "Verification blocked by Fraudulent Signup Prevention" }],
  [60441, { status: 400, message: "Illegal status" }],
  [
    60605,
    {
      status: 403,
      message: "The destination phone number has been blocked by Verify Geo-Permissions",
    },
  ],
]);

/** The default code for an error status when a fault names only the status. */
const CODE_FOR_STATUS: ReadonlyMap<number, number> = new Map([
  [400, 60200],
  [401, 20003],
  [403, 20403],
  [404, 20404],
  [429, 20429],
]);

/** Twilio's status for `code`, if the emulator knows the code. */
export function statusForCode(code: number): number | undefined {
  return KNOWN.get(code)?.status;
}

/** The code a fault with only `status` gets: 20500 for any 5xx, else a per-status default. */
export function defaultCodeForStatus(status: number): number | undefined {
  if (status >= 500 && status <= 599) return 20500;
  return CODE_FOR_STATUS.get(status);
}

/** Builds an error for a known code, with its status and message unless given. */
export function twilioError(
  code: number,
  options: { message?: string; status?: number; headers?: Record<string, string> } = {},
): TwilioApiError {
  const known = KNOWN.get(code);
  return new TwilioApiError(
    code,
    options.status ?? known?.status ?? 400,
    options.message ?? known?.message ?? "Error",
    options.headers,
  );
}

/**
 * 60200 naming the parameter, as Twilio words it: ``Invalid parameter `To`: +15550100`` when the
 * bad value is given (Twilio's wording for `To`, which apps match on), else `Invalid parameter: Channel`.
 */
export function invalidParameter(name: string, value?: string): TwilioApiError {
  const message =
    value === undefined ? `Invalid parameter: ${name}` : `Invalid parameter \`${name}\`: ${value}`;
  return twilioError(60200, { message });
}

/** 20404 with Twilio's message, which names the requested path (apps match on it). */
export function notFound(path: string): TwilioApiError {
  return twilioError(20404, { message: `The requested resource ${path} was not found` });
}
