"""Sending alerts: by e-mail (Django's SMTP settings) and to the group robots of 企业微信
and 钉钉 (their documented webhook formats, 钉钉's 加签 included).

A robot's address is an https URL on a host of ALERT_ROBOT_HOSTS. Its host is resolved
once; an address of this machine, of a link or of nowhere is refused; and the connection
goes to the very address that was checked (the TLS certificate still checked for the
host's name), so a DNS answer that changes between the check and the connection cannot
send it inside. Tests point robots at a receiver on loopback (ALERT_ROBOT_RECEIVER).

`deliver` sends what is due: each delivery is taken with a lease (another sender leaves
it alone), sent, and marked sent at once; a failure (a refusal by the SMTP server, an
HTTP error, a robot's errcode) is retried later (`Delivery.failed`).
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import smtplib
import socket
import ssl
from datetime import timedelta
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.urls import reverse

from projects.models import Channel, Delivery, check_robot_url
from projects.rules import clock

logger = logging.getLogger(__name__)


class SendError(Exception):
    pass


def site_url():
    return settings.SITE_URL or "http://127.0.0.1:8000"


def checked_address(host, port):
    """The address `host` resolves to, once; refused if it is this machine, a link, or
    a multicast or unspecified address (no robot lives there). Private ranges are let
    through on purpose: a district's 政务钉钉 host on the 政务外网 resolves to one, and
    only hosts on ALERT_ROBOT_HOSTS get this far."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise SendError(f"无法解析 {host}：{error}") from error
    for *_rest, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if (
            address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_unspecified
            or address.is_reserved
        ):
            raise SendError(f"{host} 解析到不允许的地址 {address}。")
        return str(address)
    raise SendError(f"无法解析 {host}。")


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked for `host`."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(url, payload):
    """POST `payload` to a robot; its JSON answer. Any HTTP error or errcode raises."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    timeout = settings.ALERT_TIMEOUT_SECONDS
    if settings.ALERT_ROBOT_RECEIVER:
        receiver = urlsplit(settings.ALERT_ROBOT_RECEIVER)
        connection = http.client.HTTPConnection(receiver.hostname, receiver.port, timeout=timeout)
        headers["X-Robot-Host"] = parts.hostname
    else:
        address = checked_address(parts.hostname, 443)
        connection = PinnedHTTPSConnection(parts.hostname, address, timeout=timeout)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(65536)
    except OSError as error:
        raise SendError(f"连接失败：{error}") from error
    finally:
        connection.close()
    if response.status != 200:
        raise SendError(f"HTTP {response.status}：{text[:200].decode(errors='replace')}")
    try:
        answer = json.loads(text)
    except ValueError:
        raise SendError(f"应答不是 JSON：{text[:200].decode(errors='replace')}") from None
    if answer.get("errcode") != 0:
        raise SendError(f"errcode {answer.get('errcode')}：{answer.get('errmsg')}")
    return answer


def dingtalk_signed(url, secret, now_ms=None):
    """钉钉 加签: timestamp and sign (HMAC-SHA256 of "timestamp\\nsecret", Base64, URL-encoded)."""
    timestamp = str(now_ms if now_ms is not None else int(clock.seconds() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest))
    return f"{url}&timestamp={timestamp}&sign={sign}"


def message_text(alert):
    link = f"\n\n{site_url()}{alert.link}" if alert.link else ""
    return f"{alert.body}{link}"


def robot_payload(kind, alert):
    """The documented markdown message of each robot (企业微信: 4096 bytes at most)."""
    link = f"\n\n[查看详情]({site_url()}{alert.link})" if alert.link else ""
    text = f"**{alert.subject}**\n\n{alert.body}{link}"
    if kind == Channel.Kind.WECOM:
        return {
            "msgtype": "markdown",
            "markdown": {"content": text.encode()[:4000].decode(errors="ignore")},
        }
    return {"msgtype": "markdown", "markdown": {"title": alert.subject, "text": text}}


def unsubscribe_url(follow):
    return site_url() + reverse("projects:unfollow", args=[follow.token])


def answer_link(follow):
    """The writer's tracking link, unsealed for this mail only (rules/receipts.py)."""
    token = follow.tracking_token()
    if token is None:  # sealed under another SECRET_KEY
        return "请打开您保存的查询链接查看答复，并告诉我们答复是否有帮助。"
    link = site_url() + reverse("projects:receipt", args=[token])
    return f"查看答复，并告诉我们答复是否有帮助：\n{link}"


def email_message(delivery, connection):
    alert = delivery.alert
    body = message_text(alert)
    headers = {}
    if delivery.follow_id:
        to = delivery.follow.email
        if alert.rule == alert.Rule.FOLLOW_CONFIRM:
            confirm = site_url() + reverse("projects:confirm_follow", args=[delivery.follow.token])
            body = (
                f"{alert.body}\n\n{confirm}\n\n如果不是您本人订阅，请忽略本邮件，七天后自动删除。"
            )
        else:
            if alert.rule == alert.Rule.FOLLOW_ANSWER:
                body = f"{body}\n\n{answer_link(delivery.follow)}"
            # RFC 8058: one POST to this address unsubscribes, no further step.
            stop = unsubscribe_url(delivery.follow)
            headers["List-Unsubscribe"] = f"<{stop}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            body = f"{body}\n\n退订：{stop}"
    else:
        to = delivery.channel.address
    return EmailMessage(
        subject=alert.subject, body=body, to=[to], headers=headers, connection=connection
    )


def send_one(delivery, connection):
    channel = delivery.channel
    if channel is None or channel.kind == Channel.Kind.EMAIL:
        # One recipient a message: a refusal of it by the server raises here.
        try:
            email_message(delivery, connection).send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            (address, (code, reply)), *_ = error.recipients.items()
            said = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
            if delivery.follow_id:  # a follower's address is shown nowhere, errors included
                said = re.sub(re.escape(address), "…", said, flags=re.IGNORECASE)
                address = "关注者的地址"
            raise SendError(f"邮件服务器拒收 {address}（{code} {said}）") from error
        except smtplib.SMTPResponseException as error:
            said = error.smtp_error
            said = said.decode(errors="replace") if isinstance(said, bytes) else said
            raise SendError(f"邮件服务器拒绝发送（{error.smtp_code} {said}）") from error
        return
    url = channel.address
    message = check_robot_url(url, channel.kind)
    if message:
        raise SendError(message)
    if channel.kind == Channel.Kind.DINGTALK and channel.secret:
        url = dingtalk_signed(url, channel.secret)
    post_json(url, robot_payload(channel.kind, delivery.alert))


def take(delivery, now):
    """Lease `delivery` for this sender; False if another sender has it or it is done."""
    lease = now + timedelta(seconds=settings.ALERT_LEASE_SECONDS)
    return bool(
        Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=lease)
    )


def deliver(deliveries=None):
    """Send the deliveries that are due (of `deliveries`, or all); (sent, failed)."""
    now = clock.now()
    queue = (deliveries if deliveries is not None else Delivery.objects.all()).due(now)
    queue = queue.select_related("alert", "channel", "follow__item").filter(
        Q(channel__isnull=True) | Q(channel__active=True)
    )
    sent = failed = 0
    connection = get_connection(fail_silently=False)
    try:
        for delivery in queue.order_by("pk"):
            if not take(delivery, now):
                continue
            try:
                send_one(delivery, connection)
            except Exception as error:  # any failure of a channel is the delivery's
                logger.warning("alert delivery %s failed: %s", delivery.pk, error)
                delivery.failed(error)
                failed += 1
            else:
                delivery.sent()
                sent += 1
    finally:
        connection.close()
    return sent, failed
