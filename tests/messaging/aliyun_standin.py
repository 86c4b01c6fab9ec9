"""A local stand-in for Aliyun's SMS API: it checks each SendSms request's signature the way
Aliyun documents it (signature version 1.0, HMAC-SHA1 over the sorted, RFC 3986-encoded
query, key "<secret>&"), written here independently of messaging/channels/aliyun.py, and
answers like Aliyun does."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ACCESS_KEY_ID, ACCESS_KEY_SECRET = "LTAItestkey", "test-secret"


def _encode(text: str) -> str:
    return urllib.parse.quote(text, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def expected_signature(params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{_encode(key)}={_encode(params[key])}" for key in sorted(params))
    to_sign = "GET&%2F&" + _encode(canonical)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class StandIn:
    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[tuple[int, dict]] = []  # queued (status, body) to give instead of OK

    def handle(self, query: str) -> tuple[int, dict]:
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        signature = params.pop("Signature", "")
        if params.get("AccessKeyId") != ACCESS_KEY_ID or signature != expected_signature(params, ACCESS_KEY_SECRET):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        if self.answers:
            return self.answers.pop(0)
        self.received.append(params)
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz{len(self.received)}", "RequestId": "r"}


@pytest.fixture
def aliyun(settings):
    standin = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's hook name)
            status, body = standin.handle(urllib.parse.urlsplit(self.path).query)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # phone numbers stay out of the test log
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "messaging.channels.aliyun.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ACCESS_KEY_ID, ACCESS_KEY_SECRET
    settings.ALIYUN_SMS_TEMPLATE_NOTICE, settings.ALIYUN_SMS_TEMPLATE_MARKETING = "SMS_1001", "SMS_2002"
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
