"""Aliyun SMS (dysmsapi, API version 2017-05-25): the SendSms call of its RPC API, signed with
the documented signature version 1.0 (HMAC-SHA1 over the sorted, percent-encoded query).
Written against the HTTP API rather than the SDK: one GET and a signature need no extra
packages. Aliyun sends only approved templates, so each purpose has a template whose one
variable `${content}` takes our rendered text; Aliyun adds the 【signature】 (SignName)."""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

from messaging.channels import Outgoing, SendFailed, SendOutcomeUnknown

API_VERSION = "2017-05-25"
TIMEOUT_SECONDS = 10
# Codes that say "not now" rather than "never": flow control and Aliyun's own trouble.
RETRYABLE_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "ServiceUnavailable", "InternalError"}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (space as %20, ~ kept)."""
    return urllib.parse.quote(value, safe="~")


def rpc_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    def send(self, outgoing: Outgoing) -> str:
        params = self._params(outgoing)
        params["Signature"] = rpc_signature(params, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        url = settings.ALIYUN_SMS_ENDPOINT.rstrip("/") + "/?" + query
        if not url.startswith(("https://", "http://")):
            raise SendFailed("aliyun: ALIYUN_SMS_ENDPOINT is not an http(s) URL", is_retryable=False)
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked above)
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            answer = _error_body(error)
            if error.code >= 500:
                raise SendFailed(f"aliyun: HTTP {error.code}", is_retryable=True) from error
        except TimeoutError as error:  # the request went out; the answer did not come back
            raise SendOutcomeUnknown("aliyun: timed out waiting for the answer") from error
        except urllib.error.URLError as error:  # refused, unreachable: the request never arrived
            raise SendFailed(f"aliyun: {type(error.reason).__name__}", is_retryable=True) from error
        return _biz_id(answer)

    def _params(self, outgoing: Outgoing) -> dict[str, str]:
        template = (settings.ALIYUN_SMS_TEMPLATE_MARKETING if outgoing.purpose == "marketing"
                    else settings.ALIYUN_SMS_TEMPLATE_NOTICE)  # fmt: skip
        return {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": f"{outgoing.shop_id}-{outgoing.message_id}-{outgoing.attempt}",
            "PhoneNumbers": _national(outgoing.to),
            "RegionId": settings.ALIYUN_SMS_REGION,
            "SignName": outgoing.sms_signature,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps({"content": outgoing.sms_content}, ensure_ascii=False),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }


def _national(phone: str) -> str:
    """Aliyun takes mainland numbers without +86 and others with their country code."""
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")


def _error_body(error: urllib.error.HTTPError) -> dict:
    try:
        return json.loads(error.read())
    except ValueError:
        return {}


def _biz_id(answer: dict) -> str:
    code = answer.get("Code", "")
    if code == "OK":
        return answer.get("BizId", "")
    raise SendFailed(f"aliyun: {code or 'no answer code'}", is_retryable=code in RETRYABLE_CODES)
