"""CSV import: Shift_JIS and UTF-8 (with BOM), a mapping step, every bad line named, nothing
imported until the file is clean or the user asks for the good lines."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.importer import decode
from surveys.models import Channel, ImportBatch, Response
from surveys.queries import questions_of, survey_tables

pytestmark = pytest.mark.django_db

CSV_TEXT = (
    "回答日,スマートフォンやパソコンをどのくらい使っていますか。,期待,年代,性別\r\n"
    "2026/1/5,ほぼ毎日使う,1;3,70代以上,女性\r\n"
    "2026/1/5,2,窓口に行かずに手続きができる、防災情報がすぐにわかる,7,1\r\n"
    "2026/1/6,毎日,1,60代,女性\r\n"  # line 4: 毎日 is not an option
    "2026/1/6,1,7;1,60代,男性\r\n"  # line 5: わからない with another answer
    "2026/1/7,4,,50代,回答しない\r\n"
)


def upload(client, survey, content, name="answers.csv"):
    return client.post(
        reverse("surveys:import", args=[survey.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def mapping(survey):
    q = questions_of(survey)
    return {"col_1": q[0].key, "col_2": q[1].key, "col_3": q[5].key, "col_4": q[6].key}


def test_decoding_tries_utf8_with_bom_then_shift_jis():
    assert decode("あ".encode("utf-8-sig")) == ("あ", "utf-8-sig")
    assert decode("あ".encode()) == ("あ", "utf-8-sig")
    assert decode("①髙".encode("cp932")) == ("①髙", "cp932")


def test_shift_jis_file_with_bad_lines_named_nothing_imported_until_asked(dx_client, citizen):
    response = upload(dx_client, citizen, CSV_TEXT.encode("cp932"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.encoding == "Shift_JIS"
    step2 = dx_client.get(reverse("surveys:import_batch", args=[batch.pk]))
    html = step2.content.decode()
    # The heading that matches the question's text is mapped already.
    q = questions_of(citizen)
    assert f'<option value="{q[0].key}" selected>' in html
    url = reverse("surveys:import_batch", args=[batch.pk])
    checked = dx_client.post(url, {**mapping(citizen), "action": "check"})
    html = checked.content.decode()
    assert "Line 4" in html or "4行目" in html
    assert "毎日" in html
    assert "5" in html and "わからない" in html
    assert "Line 2:" not in html and "2行目:" not in html
    assert not Response.objects.exists()
    # "Import" on a file with errors imports nothing.
    refused = dx_client.post(url, {**mapping(citizen), "action": "import"})
    assert refused.status_code == 200
    assert not Response.objects.exists()
    done = dx_client.post(url, {**mapping(citizen), "action": "import_good"})
    assert done.status_code == 302
    batch.refresh_from_db()
    assert (batch.imported_rows, batch.skipped_rows) == (3, 2)
    lines = sorted(Response.objects.values_list("source_line", flat=True))
    assert lines == [2, 3, 6]
    assert set(Response.objects.values_list("channel", flat=True)) == {Channel.IMPORT}
    tables = survey_tables(citizen)
    expect = {r.label: r.count for r in tables[1].rows}
    assert expect["窓口に行かずに手続きができる"] == 2
    assert expect["書類の記入が減る"] == 1
    assert expect["防災情報がすぐにわかる"] == 1
    assert expect["無回答"] == 1
    genders = {r.label: r.count for r in tables[6].rows}
    assert genders == {"男性": 1, "女性": 1, "その他": 0, "回答しない": 1, "無回答": 0}
    # Importing again is refused.
    dx_client.post(url, {**mapping(citizen), "action": "import_good"})
    assert Response.objects.count() == 3


def test_a_clean_utf8_file_with_bom_imports_in_one_go(dx_client, citizen):
    clean = "\n".join(CSV_TEXT.splitlines()[:3] + CSV_TEXT.splitlines()[5:]) + "\n"
    upload(dx_client, citizen, clean.encode("utf-8-sig"))
    batch = ImportBatch.objects.get()
    assert batch.encoding == "UTF-8"
    assert not batch.content.startswith("\ufeff")
    url = reverse("surveys:import_batch", args=[batch.pk])
    check = dx_client.post(url, {**mapping(citizen), "action": "check"})
    assert "Import only" not in check.content.decode()
    dx_client.post(url, {**mapping(citizen), "action": "import"})
    assert Response.objects.count() == 3


def test_a_file_that_is_not_text_is_refused_with_a_message(dx_client, citizen):
    response = upload(dx_client, citizen, b"\xff\xfe\x00\x81\x00")
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_importing_a_long_file_costs_a_bounded_number_of_queries(
    citizen, dx_user, django_assert_max_num_queries
):
    from surveys.importer import import_run, import_upload

    lines = ["使用,期待,年代,性別"] + [
        f"{1 + n % 4},{1 + n % 6} 2,{1 + n % 7},2" for n in range(600)
    ]
    batch = import_upload(
        survey=citizen, user=dx_user, filename="long.csv", content="\n".join(lines).encode()
    )
    q = questions_of(citizen)
    mapping = {"0": q[0].key, "1": q[1].key, "2": q[5].key, "3": q[6].key}
    # Inserts go in batches (SQLite takes ~999 parameters a statement); a query per line
    # would be over 600.
    with django_assert_max_num_queries(60):
        assert import_run(batch_id=batch.pk, user=dx_user, mapping=mapping) == 600
    assert Response.objects.filter(batch=batch).count() == 600
    assert Response.objects.filter(age_band=7).count() == 600 // 7 + (1 if 600 % 7 > 6 else 0)


# --- what Excel and others save -------------------------------------------------------------

CLEAN = "\n".join(CSV_TEXT.splitlines()[:3] + CSV_TEXT.splitlines()[5:]) + "\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excels_unicode_text_utf16_tab_separated_imports_like_csv(dx_client, citizen, encoding):
    tab_separated = CLEAN.replace(",", "\t")
    content = tab_separated.encode(encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content
    response = upload(dx_client, citizen, content, name="answers.txt")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.encoding == "UTF-16"
    url = reverse("surveys:import_batch", args=[batch.pk])
    dx_client.post(url, {**mapping(citizen), "action": "import"})
    assert Response.objects.count() == 3
    tables = survey_tables(citizen)
    assert {r.label: r.count for r in tables[1].rows}["窓口に行かずに手続きができる"] == 2


@pytest.mark.parametrize(
    "content, problem",
    [
        ("問1,問2\n1,a\x00b\n".encode(), "制御文字"),  # UTF-8 with a NUL
        ("問1,問2\n1,2\n".encode("utf-16-le"), "制御文字"),  # UTF-16 without its BOM
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x80",
            "CSV ファイルではない",
        ),  # xlsx
        (b"\x81\x20\x81\x7f\xe0", "Excel のブック"),  # neither UTF-8 nor Shift_JIS
        (b"\xff\xfe\x00\xd8", "UTF-16 の文字データのように"),  # a BOM, then a broken surrogate
        (('問1\n"' + "x" * 200_000 + '"\n').encode(), "長すぎるセル"),  # a cell past csv's limit
    ],
)
def test_files_that_cannot_be_read_are_refused_naming_the_problem(
    dx_client, citizen, content, problem
):
    response = upload(dx_client, citizen, content)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_upload_whose_file_name_holds_a_nul_keeps_no_nul(dx_client, citizen):
    # Django's upload parser cuts the name; whatever reaches the batch holds no NUL.
    response = upload(dx_client, citizen, CLEAN.encode(), name="a\x00.csv")
    assert response.status_code in (302, 400)
    assert all(
        "\x00" not in name for name in ImportBatch.objects.values_list("filename", flat=True)
    )


def test_no_answer_cells_are_imported_as_no_answer_and_the_page_states_n_before_saving(
    dx_client, citizen
):
    """A real survey's profile columns hold 無回答: those lines are counted (in n and in the
    無回答 row), not refused; the check step says how many lines count, how many are refused and
    what n becomes, and the import gives exactly that n."""
    text = (
        "回答日,スマートフォンやパソコンをどのくらい使っていますか。,期待,年代,性別\r\n"
        "2026/1/5,ほぼ毎日使う,1,無回答,女性\r\n"
        "2026/1/5,2,1,70代以上,無回答\r\n"
        "2026/1/6,毎日,1,60代,女性\r\n"  # line 4: 毎日 is not an option
    )
    upload(dx_client, citizen, text.encode("utf-8"))
    url = reverse("surveys:import_batch", args=[ImportBatch.objects.get().pk])
    html = dx_client.post(url, {**mapping(citizen), "action": "check"}).content.decode()
    assert "2 行が集計に入り、1 行は取り込みません" in html
    assert "回答者数（n）は 0 から 2 になります" in html
    assert "4行目" in html or "Line 4" in html
    dx_client.post(url, {**mapping(citizen), "action": "import_good"})
    tables = survey_tables(citizen)
    assert tables[0].n == 2
    ages = {r.label: r.count for r in tables[5].rows}
    genders = {r.label: r.count for r in tables[6].rows}
    assert ages["無回答"] == 1 and ages["70代以上"] == 1
    assert genders["無回答"] == 1 and genders["女性"] == 1


def test_an_age_column_with_other_imports_as_its_own_option(dx_client, citizen):
    text = (
        "回答日,スマートフォンやパソコンをどのくらい使っていますか。,期待,年代,性別\r\n"
        "2026/1/5,ほぼ毎日使う,1,その他,その他\r\n"
        "2026/1/5,2,1,70代以上,女性\r\n"
    )
    upload(dx_client, citizen, text.encode("utf-8"))
    url = reverse("surveys:import_batch", args=[ImportBatch.objects.get().pk])
    dx_client.post(url, {**mapping(citizen), "action": "import"})
    tables = survey_tables(citizen)
    assert tables[0].n == 2
    assert {r.label: r.count for r in tables[5].rows}["その他"] == 1
    q1 = questions_of(citizen)[0]
    from surveys.queries import crosstab

    columns = {label: n for _key, label, n in crosstab(citizen, q1, "age_band").columns}
    assert columns == {"70代以上": 1, "その他": 1}
