"""The voice call in Japanese: read the text slowly, then 1 = confirm, 2 = cancel, 9 = repeat."""

from django.conf import settings
from django.urls import reverse
from twilio.twiml.voice_response import VoiceResponse

from notifications.models import Message

LANGUAGE = "ja-JP"
VOICE = "Polly.Mizuki"  # a Japanese voice that honours <prosody>
SLOW = "85%"
# Seconds Twilio waits for a key press before reading the text once more.
GATHER_TIMEOUT_S = 8
OFFER_CHOICES = (
    "この席を受ける場合は1を、辞退する場合は2を、もう一度お聞きになる場合は9を押してください。"
)
CHOICES = (
    "ご出席の場合は1を、キャンセルされる場合は2を、もう一度お聞きになる場合は9を押してください。"
)
NO_ANSWER = "ボタンが押されませんでした。お問い合わせはお電話でどうぞ。失礼いたします。"
CONFIRMED = "ありがとうございます。お待ちしております。失礼いたします。"
CANCELLED = "キャンセルを承りました。ご連絡ありがとうございました。失礼いたします。"
FAILED = "申し訳ありません。受け付けできませんでした。お手数ですが、お電話でご連絡ください。"


def _answer_url(message: Message) -> str:
    path = reverse("notifications:hook_voice", args=[message.token])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def twiml_for(message: Message) -> VoiceResponse:
    """The whole call: the text, the choices inside <Gather>, read twice if nothing is pressed.

    A message without choices (`about["keys"]` false, e.g. a cancelled session) is read twice.
    """
    response = VoiceResponse()
    response.pause(length=1)
    if not message.about.get("keys", True):
        for _ in range(2):
            response.say(language=LANGUAGE, voice=VOICE).prosody(message.text, rate=SLOW)
            response.pause(length=1)
        return response
    choices = OFFER_CHOICES if message.purpose == "offer" else CHOICES
    gather = response.gather(
        num_digits=1, action=_answer_url(message), method="POST", timeout=GATHER_TIMEOUT_S
    )
    # Slowly: the date, time and venue are what the listener must catch.
    gather.say(language=LANGUAGE, voice=VOICE).prosody(message.text, rate=SLOW)
    gather.pause(length=1)
    gather.say(choices, language=LANGUAGE)
    again = response.gather(
        num_digits=1, action=_answer_url(message), method="POST", timeout=GATHER_TIMEOUT_S
    )
    again.say(choices, language=LANGUAGE)
    response.say(NO_ANSWER, language=LANGUAGE)
    return response


def twiml_say(text):
    response = VoiceResponse()
    response.say(text, language=LANGUAGE)
    response.hangup()
    return response
