import qrcode from "qrcode-generator";

/** The longest URI accepted: an otpauth URI with a long issuer and label is well under it. */
const MAX_URI_LENGTH = 1024;
/** Light modules around the code, as ISO/IEC 18004 asks for scanners to find it. */
const QUIET_ZONE = 4;

/**
 * The QR code of an `otpauth://` URI as an inline SVG string for the enrolment page. The SVG holds
 * only a `<path>` built from the code's modules and fixed attributes: no script, no style element, no
 * external reference and no text from the URI, so it needs no new Content-Security-Policy source.
 * Error correction level M, as authenticator apps read it from a screen.
 * @throws TypeError when `uri` is not an `otpauth://` URI of printable ASCII up to 1024 characters.
 * @example
 * const svg = otpauthQrSvg(enrolment.uri);
 * const html = `<figure>${svg}<figcaption>Scan with your authenticator app</figcaption></figure>`;
 */
export function otpauthQrSvg(uri: string): string {
  if (
    typeof uri !== "string" ||
    uri.length > MAX_URI_LENGTH ||
    !uri.startsWith("otpauth://") ||
    !/^[\x21-\x7e]+$/.test(uri)
  ) {
    throw new TypeError(
      "otpauthQrSvg(uri): uri must be an otpauth:// URI of printable ASCII (percent-encoded), up to 1024 characters.",
    );
  }
  const qr = qrcode(0, "M");
  qr.addData(uri, "Byte");
  qr.make();
  const count = qr.getModuleCount();
  const size = count + 2 * QUIET_ZONE;
  let path = "";
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size * 4}" height="${size * 4}" ` +
    `role="img" aria-label="QR code for your authenticator app" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  );
}
