"""The national programme's consultation themes (デジタル活用支援推進事業), in the form's order,
with the classes a follow-up suggests for each. The DX office edits them in the admin."""

from django.db import migrations

TOPICS = [
    # key, name, course categories a follow-up suggests
    ("basics", "スマートフォンの基本操作", ["smartphone_intro", "smartphone_basic"]),
    ("phone_mail", "電話・メール", ["smartphone_intro", "smartphone_basic"]),
    ("camera", "カメラ・写真", ["smartphone_basic"]),
    ("line", "LINE", ["smartphone_basic", "other"]),
    ("maps", "地図・乗換案内", ["smartphone_advanced"]),
    ("search", "インターネット検索", ["smartphone_basic"]),
    ("safety", "安全・詐欺対策", ["smartphone_basic"]),
    ("mynumber", "マイナンバーカード・マイナポータル", ["mynumber"]),
    ("online", "オンライン申請", ["mynumber"]),
    ("cashless", "キャッシュレス決済", ["other"]),
    ("disaster", "防災アプリ", ["smartphone_advanced"]),
    ("other", "その他", []),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("consultations", "Topic")
    for position, (key, name, categories) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(
            key=key,
            defaults={"name": name, "position": position * 10, "course_categories": categories},
        )


def remove_topics(apps, schema_editor):
    Topic = apps.get_model("consultations", "Topic")
    Topic.objects.filter(key__in=[key for key, _name, _categories in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(add_topics, remove_topics)]
