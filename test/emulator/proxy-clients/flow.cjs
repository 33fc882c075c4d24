// An app as a user writes it: the real twilio SDK, real Twilio credentials' shape, no emulator URL.
// Only the environment (HTTP_PROXY, NODE_EXTRA_CA_CERTS) sends it to the emulator. The harness part
// (reading codes from the inbox) talks to INBOX_URL directly.
const http = require("node:http");
const twilio = require("twilio");

const { ACCOUNT_SID, SERVICE_SID, TO, INBOX_URL } = process.env;
const client = twilio(ACCOUNT_SID, "an-auth-token-of-32-characters!!");
const verify = client.verify.v2.services(SERVICE_SID);

function lastCode() {
  return new Promise((resolve, reject) => {
    http
      .get(`${INBOX_URL}/inbox.json?to=${encodeURIComponent(TO)}`, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve(JSON.parse(text).at(-1).code));
      })
      .on("error", reject);
  });
}

const wrong = (code) => (code === "000000" ? "111111" : "000000");
const errorCode = (promise) =>
  promise.then(
    () => "no error",
    (error) => error.code,
  );

(async () => {
  const out = {};
  const first = await verify.verifications.create({ to: TO, channel: "sms" });
  out.created = { status: first.status, sid: first.sid, url: first.url, accountSid: first.accountSid };
  const code = await lastCode();
  out.wrong = (await verify.verificationChecks.create({ to: TO, code: wrong(code) })).status;
  out.right = (await verify.verificationChecks.create({ to: TO, code })).status;
  out.recheck = await errorCode(verify.verificationChecks.create({ to: TO, code }));
  const second = await verify.verifications.create({ to: TO, channel: "sms" });
  const secondCode = await lastCode();
  out.fiveWrong = [];
  for (let i = 0; i < 5; i++) {
    out.fiveWrong.push((await verify.verificationChecks.create({ to: TO, code: wrong(secondCode) })).status);
  }
  out.sixth = await errorCode(verify.verificationChecks.create({ to: TO, code: secondCode }));
  const third = await verify.verifications.create({ to: TO, channel: "sms" });
  out.third = { status: third.status, fresh: third.sid !== second.sid };
  out.thirdRight = (await verify.verificationChecks.create({ to: TO, code: await lastCode() })).status;
  out.otherHost = await client.api.v2010
    .accounts(ACCOUNT_SID)
    .fetch()
    .then(
      () => "no error",
      (error) => ({ status: error.status, code: error.code, message: error.message }),
    );
  process.stdout.write(`${JSON.stringify(out)}\n`);
})().catch((error) => {
  process.stderr.write(`${error?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
