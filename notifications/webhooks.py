"""What Twilio posts to us: delivery status, replies to our number, keys pressed in a call.

Every request must carry a valid X-Twilio-Signature for PUBLIC_BASE_URL + the path (the
address Twilio called); anything unsigned or signed wrongly gets 403. These are the only views
without CSRF protection: Twilio cannot send a token, the signature stands in for it.
"""

import logging
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications import services, voice
from notifications.models import Answer
from notifications.transports import public_url

logger = logging.getLogger(__name__)


def signed_by_twilio(request):
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    return RequestValidator(token).validate(
        public_url(request.get_full_path()), request.POST, signature
    )


def twilio_webhook(view):
    """POST only, CSRF-exempt, and refused (403) unless Twilio signed it."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not signed_by_twilio(request):
            logger.warning("Refused an unsigned or wrongly signed webhook call")
            return HttpResponseForbidden("signature required")
        return view(request, *args, **kwargs)

    return wrapper


def _twiml(response):
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@twilio_webhook
def hook_status(request, token):
    status = request.POST.get("MessageStatus") or request.POST.get("CallStatus") or ""
    message = services.message_status_report(
        token=token,
        provider_status=status.strip().lower(),
        provider_id=request.POST.get("MessageSid") or request.POST.get("CallSid") or "",
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204 if message else 404)


@twilio_webhook
def hook_sms(request):
    outcome = services.inbound_sms(
        phone=request.POST.get("From", "").strip(), body=request.POST.get("Body", "")
    )
    reply = MessagingResponse()
    if outcome == "opted_out":
        reply.message("配信を停止しました。再開するには「開始」と返信してください。")
    elif outcome == "opted_in":
        reply.message("配信を再開しました。")
    return _twiml(reply)


@twilio_webhook
def hook_voice(request, token):
    digits = request.POST.get("Digits", "")
    message, answer, error = services.message_voice_answer(token=token, digits=digits)
    if message is None:
        return _twiml(voice.twiml_say(voice.FAILED))
    if error:
        return _twiml(voice.twiml_say(error))
    if answer == Answer.CONFIRM:
        return _twiml(voice.twiml_say(voice.CONFIRMED))
    if answer == Answer.CANCEL:
        return _twiml(voice.twiml_say(voice.CANCELLED))
    return _twiml(voice.twiml_for(message))  # 9 or anything else: read it again
