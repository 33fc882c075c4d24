"""An app as a user writes it with Debian's python3-twilio: only HTTPS_PROXY sends it to the emulator.
The harness part (reading codes from the inbox) talks to INBOX_URL directly."""
import json
import os
import urllib.parse
import urllib.request

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

env = os.environ
TO = env["TO"]
client = Client(env["ACCOUNT_SID"], "an-auth-token-of-32-characters!!")
verify = client.verify.v2.services(env["SERVICE_SID"])
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def last_code():
    url = env["INBOX_URL"] + "/inbox.json?to=" + urllib.parse.quote(TO)
    with direct.open(url) as res:
        return json.load(res)[-1]["code"]


def wrong(code):
    return "111111" if code == "000000" else "000000"


def error_code(call):
    try:
        call()
        return "no error"
    except TwilioRestException as error:
        return error.code


out = {}
first = verify.verifications.create(to=TO, channel="sms")
out["created"] = {"status": first.status, "sid": first.sid, "url": first.url, "accountSid": first.account_sid}
code = last_code()
out["wrong"] = verify.verification_checks.create(to=TO, code=wrong(code)).status
out["right"] = verify.verification_checks.create(to=TO, code=code).status
out["recheck"] = error_code(lambda: verify.verification_checks.create(to=TO, code=code))
second = verify.verifications.create(to=TO, channel="sms")
second_code = last_code()
out["fiveWrong"] = [verify.verification_checks.create(to=TO, code=wrong(second_code)).status for _ in range(5)]
out["sixth"] = error_code(lambda: verify.verification_checks.create(to=TO, code=second_code))
third = verify.verifications.create(to=TO, channel="sms")
out["third"] = {"status": third.status, "fresh": third.sid != second.sid}
out["thirdRight"] = verify.verification_checks.create(to=TO, code=last_code()).status
print(json.dumps(out))
