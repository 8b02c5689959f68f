"""Ready-made surveys in Japanese, created with "new from template" (services.survey_from_template).

Each question is the keyword arguments of a new question; options as labels or dicts with
`takes_text` (その他 with free text) and `exclusive` (わからない / 特にない stand alone).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from surveys.models import Kind

OTHER = {"label": "その他", "takes_text": True}
DONT_KNOW = {"label": "わからない", "exclusive": True}
NOTHING = {"label": "特にない", "exclusive": True}

POST_CLASS = {
    "label": _("Post-class satisfaction"),
    "title": "受講後アンケート（満足度・理解度）",
    "intro": "本日はご参加ありがとうございました。今後の教室をよりよくするため、"
    "アンケートにご協力ください。1〜2分で終わります。",
    "questions": [
        {
            "kind": Kind.RATING,
            "text": "本日の教室の満足度を教えてください。",
            "required": True,
            "is_satisfaction": True,
        },
        {
            "kind": Kind.SINGLE,
            "text": "本日の内容はどのくらい理解できましたか。",
            "required": True,
            "options": [
                "よく理解できた",
                "だいたい理解できた",
                "あまり理解できなかった",
                "理解できなかった",
            ],
        },
        {
            "kind": Kind.MULTI,
            "text": "次に学びたいことは何ですか。（いくつでも）",
            "options": [
                "写真・動画の撮り方と送り方",
                "LINEの使い方",
                "地図・乗り換え案内",
                "キャッシュレス決済",
                "マイナンバーカード・マイナポータル",
                "インターネットの安全な使い方（詐欺対策）",
                NOTHING,
                OTHER,
            ],
        },
        {"kind": Kind.TEXT, "text": "ご意見・ご感想があればお書きください。"},
        {"kind": Kind.AGE_BAND, "text": "あなたの年代を教えてください。"},
        {"kind": Kind.GENDER, "text": "あなたの性別を教えてください。"},
    ],
}

CITIZEN = {
    "label": _("Citizen digitalisation survey"),
    "title": "市民のデジタル化に関する意識調査",
    "intro": "市では、行政のデジタル化を進めるための計画をつくっています。"
    "みなさんのご意見をお聞かせください。回答は統計的に処理し、個人が特定されることはありません。",
    "questions": [
        {
            "kind": Kind.SINGLE,
            "text": "スマートフォンやパソコンをどのくらい使っていますか。",
            "required": True,
            "options": [
                "ほぼ毎日使う",
                "ときどき使う",
                "持っているがほとんど使わない",
                "持っていない",
            ],
        },
        {
            "kind": Kind.MULTI,
            "text": "市のデジタル化で期待することは何ですか。（3つまで）",
            "max_choices": 3,
            "options": [
                "窓口に行かずに手続きができる",
                "待ち時間が短くなる",
                "書類の記入が減る",
                "行政の情報が届きやすくなる",
                "防災情報がすぐにわかる",
                "キャッシュレスで支払える",
                DONT_KNOW,
                NOTHING,
                OTHER,
            ],
        },
        {
            "kind": Kind.MULTI,
            "text": "デジタル化で不安なことは何ですか。（いくつでも）",
            "options": [
                "個人情報の漏えい",
                "操作が難しい",
                "詐欺や悪質なサイト",
                "費用がかかる",
                "相談できる人がいない",
                "窓口がなくなること",
                DONT_KNOW,
                NOTHING,
                OTHER,
            ],
        },
        {
            "kind": Kind.SINGLE,
            "text": "スマホ教室などの講座に参加したいと思いますか。",
            "options": ["参加したい", "内容によっては参加したい", "参加したくない", DONT_KNOW],
        },
        {"kind": Kind.TEXT, "text": "市のデジタル化について、ご意見をお書きください。"},
        {"kind": Kind.AGE_BAND, "text": "あなたの年代を教えてください。", "required": True},
        {"kind": Kind.GENDER, "text": "あなたの性別を教えてください。", "required": True},
    ],
}

TEMPLATES: dict[str, dict[str, Any]] = {"post_class": POST_CLASS, "citizen": CITIZEN}
