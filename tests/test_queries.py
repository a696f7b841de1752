"""Named queries on the curated data, run through the real CLI against a store built from data/."""

from __future__ import annotations

import json

import pytest

SEED = "https://koszalin.pl/pl/news/litewskie-troki-naszym-kolejnym-miastem-partnerskim?language=pl"
GOV = "https://w3id.org/munigraph/id/gov/"


def test_shared_partner_of_koszalin_and_troki_is_ivano_frankivsk(mg):
    run = mg("query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "csv")
    assert run.code == 0, run.err
    rows = run.csv()
    assert [r["partner"] for r in rows] == [GOV + "ua/ivano-frankivsk"]
    assert "Ivano-Frankivsk" in rows[0]["partnerLabel"]


def test_koszalin_has_at_least_13_partners_with_trakai_13th_since_2019_12_02(mg):
    run = mg("query", "partners", "--param", "municipality=Koszalin", "--format", "csv")
    assert run.code == 0, run.err
    rows = run.csv()
    assert len({r["partner"] for r in rows}) >= 13
    trakai = [r for r in rows if r["partner"] == GOV + "lt/trakai-district"]
    assert len(trakai) == 1
    assert trakai[0]["partnerLabel"] == "Trakai District Municipality"
    assert trakai[0]["start"] == "2019-12-02"
    assert trakai[0]["ordinal"] == "13"
    assert SEED in trakai[0]["sources"]


def test_partners_as_of_a_date_leaves_out_later_and_ended_partnerships(mg):
    rows = mg("query", "partners", "--param", "municipality=Koszalin", "--param", "date=2019-01-01", "--format", "csv").csv()
    partners = {r["partner"] for r in rows}
    assert GOV + "ua/ivano-frankivsk" in partners
    assert GOV + "lt/trakai-district" not in partners  # signed 2019-12-02
    assert all(r["status"].endswith("status-active") for r in rows)
    ivano = mg("query", "partners", "--param", "municipality=Ivano-Frankivsk", "--param", "date=2017-01-01", "--format", "csv").csv()
    assert GOV + "ru/serpukhov" not in {r["partner"] for r in ivano}  # ended 2016-02-09
    before = mg("query", "partners", "--param", "municipality=Ivano-Frankivsk", "--param", "date=2015-01-01", "--format", "csv").csv()
    assert GOV + "ru/serpukhov" in {r["partner"] for r in before}


def test_timeline_koszalin_trakai_in_order_with_sources(mg):
    run = mg("query", "timeline", "--param", "a=Koszalin", "--param", "b=Trakai", "--format", "csv")
    assert run.code == 0, run.err
    rows = run.csv()
    assert [r["date"] for r in rows] == ["2016", "2016-12", "2017-10", "2018-06-01", "2019-12-02"]
    assert rows[0]["kind"].endswith("#Meeting") and "Lida" in rows[0]["itemLabel"]
    assert rows[0]["place"].endswith("/place/by/lida")
    assert rows[1]["kind"].endswith("#Visit") and rows[1]["place"].endswith("/place/lt/trakai")
    assert rows[2]["kind"].endswith("#DelegationVisit")
    assert rows[3]["kind"].endswith("kind-letter-of-intent")
    assert rows[4]["kind"].endswith("kind-framework-cooperation-agreement")
    assert all(SEED in r["sources"] for r in rows)


def test_signatories_koszalin_trakai(mg):
    rows = mg("query", "signatories", "--param", "a=Koszalin", "--param", "b=Trakai", "--format", "csv").csv()
    by_person = {r["personLabel"]: r for r in rows}
    assert set(by_person) == {"Edita Rudelienė", "Jolanta Abucevičienė", "Piotr Jedliński", "Jan Kuriata"}
    assert by_person["Edita Rudelienė"]["role"].endswith("role-signed")
    assert by_person["Edita Rudelienė"]["postLabel"] == "Mayor of Trakai District Municipality"
    assert by_person["Jolanta Abucevičienė"]["role"].endswith("role-accompanied")
    assert by_person["Piotr Jedliński"]["role"].endswith("role-represented")
    assert by_person["Piotr Jedliński"]["postLabel"] == "President of the City of Koszalin"
    assert by_person["Jan Kuriata"]["postLabel"] == "Chair of Koszalin City Council"
    assert by_person["Jan Kuriata"]["onBehalfOf"] == GOV + "pl/koszalin"
    assert {r["date"] for r in rows} == {"2019-12-02"}


def test_ended_partnerships_include_serpukhov_and_surgut(mg):
    rows = mg("query", "ended-partnerships", "--format", "csv").csv()
    pairs = {(r["a"], r["b"]): r for r in rows}
    for russian in ("serpukhov", "surgut"):
        row = pairs[(GOV + f"ru/{russian}", GOV + "ua/ivano-frankivsk")]
        assert row["status"].endswith("status-terminated")
        assert row["date"] == "2016-02-09"
        assert row["decidedBy"].endswith("/person/ruslan-martsinkiv")
    # Lida's status became unknown in 2022: not ended
    assert not any("by/lida" == r["a"].removeprefix(GOV) and r["b"].endswith("pl/koszalin") for r in rows)
    since = mg("query", "ended-partnerships", "--param", "since=2022-01-01", "--format", "csv").csv()
    assert since and all(r["date"].startswith("2022") for r in since)


def test_conflicts_include_koszalin_gladsaxe_and_neubrandenburg(mg):
    rows = mg("query", "conflicts", "--format", "csv").csv()
    by_subject = {r["subject"].rsplit("/", 1)[-1]: r for r in rows}
    gladsaxe = by_subject["dk-gladsaxe--pl-koszalin"]
    assert {gladsaxe["value1"], gladsaxe["value2"]} == {"1967", "1990"}
    assert {gladsaxe["source1"], gladsaxe["source2"]} == {"https://gladsaxe.dk/", "https://cs.wikipedia.org/wiki/Koszalin"}
    assert {by_subject["de-neubrandenburg--pl-koszalin"]["value1"], by_subject["de-neubrandenburg--pl-koszalin"]["value2"]} == {"1974", "1987"}
    # 2019 (trakai.lt) and 2019-12-02 (koszalin.pl) agree at different precision: not a conflict
    assert "lt-trakai-district--pl-koszalin" not in by_subject


def test_officials_as_of_date(mg):
    rows = mg("query", "officials", "--param", "municipality=Trakai", "--param", "date=2019-12-02", "--format", "csv").csv()
    people = {r["personLabel"] for r in rows}
    assert "Edita Rudelienė" in people
    assert "Andrius Šatevičius" not in people  # attested from 2022 only
    later = mg("query", "officials", "--param", "municipality=Trakai", "--param", "date=2022-06-03", "--format", "csv").csv()
    assert "Andrius Šatevičius" in {r["personLabel"] for r in later}
    koszalin = mg("query", "officials", "--param", "municipality=Koszalin", "--format", "csv").csv()
    jedlinski = [r for r in koszalin if r["personLabel"] == "Piotr Jedliński" and r["post"].endswith("/president")]
    assert jedlinski and jedlinski[0]["end"] == "2024"


def test_partner_ranking_counts_active_partners(mg):
    rows = mg("query", "partner-ranking", "--param", "country=PL", "--format", "csv").csv()
    assert rows[0]["municipality"] == GOV + "pl/koszalin"
    partners = mg("query", "partners", "--param", "municipality=Koszalin", "--format", "csv").csv()
    active = {r["partner"] for r in partners if r["status"].endswith("status-active")}
    assert int(rows[0]["activePartners"]) == len(active)
    assert all(r["municipalityCountry"].endswith("/country/pl") for r in rows)


def test_introducers_of_koszalin_come_through_shared_partners(mg):
    rows = mg("query", "introducers", "--param", "municipality=Koszalin", "--format", "csv").csv()
    candidates = {r["candidate"] for r in rows}
    assert GOV + "pl/rzeszow" in candidates  # a partner of Ivano-Frankivsk
    assert GOV + "lt/trakai-district" not in candidates  # already a partner
    assert {r["through"] for r in rows if r["candidate"] == GOV + "pl/rzeszow"} == {GOV + "ua/ivano-frankivsk"}


def test_sources_of_an_entity(mg):
    rows = mg("query", "sources", "--param", "entity=id:gov/lt/trakai-district", "--format", "csv").csv()
    sources = {r["source"].rsplit("/", 1)[-1] for r in rows}
    assert {"gazetteer", "koszalin-2019-12-02-troki", "trakai-lt"} <= sources
    assert all(r["address"] for r in rows)


@pytest.mark.parametrize("name", ["Koszalin", "koszalin", "Q62868", "Košalinas", "Köslin", "id:gov/pl/koszalin",
                                  "https://w3id.org/munigraph/id/gov/pl/koszalin", "gmina miasto Koszalin"])
def test_a_municipality_can_be_named_in_many_ways(mg, name):
    rows = mg("query", "officials", "--param", f"municipality={name}", "--format", "json")
    assert rows.code == 0, rows.err
    assert json.loads(rows.out)["results"]["bindings"]


@pytest.mark.parametrize("name,expected", [("Troki", "lt/trakai-district"), ("Trakai", "lt/trakai-district"),
                                           ("Iwano-Frankiwsk", "ua/ivano-frankivsk"), ("Івано-Франківськ", "ua/ivano-frankivsk")])
def test_names_and_places_resolve_to_their_government(mg, name, expected):
    rows = mg("query", "shared-partners", "--param", "a=Koszalin", "--param", f"b={name}", "--format", "csv")
    assert rows.code == 0, rows.err
    if expected == "lt/trakai-district":
        assert rows.csv()[0]["partner"] == GOV + "ua/ivano-frankivsk"


def test_injection_attempt_is_one_literal_and_changes_nothing(mg):
    evil = 'Koszalin" } ; DROP ALL ; #'
    run = mg("query", "partners", "--param", f"municipality={evil}", "--format", "csv")
    assert run.code == 2
    assert "no municipality called" in run.err and "DROP ALL" in run.err
    # the store still answers
    assert mg("query", "partners", "--param", "municipality=Koszalin", "--format", "csv").csv()


def test_unknown_municipality_lists_candidates(mg):
    run = mg("query", "partners", "--param", "municipality=Koszalinn", "--format", "csv")
    assert run.code == 2
    assert "no municipality called 'Koszalinn'" in run.err
    assert "did you mean" in run.err and "Koszalin" in run.err


def test_ambiguous_name_lists_candidates(tmp_path):
    from conftest import FIXTURES, run_cli
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", "--data", str(FIXTURES / "ambiguous"), check=True)
    run = run_cli("--store", str(store), "query", "officials", "--param", "municipality=newtown")
    assert run.code == 2
    assert "'newtown' is ambiguous" in run.err
    assert "/gov/xa/newtown" in run.err and "/gov/xb/newtown" in run.err


def test_missing_and_malformed_parameters(mg):
    missing = mg("query", "shared-partners", "--param", "a=Koszalin")
    assert missing.code == 2 and "missing parameter b" in missing.err
    bad_date = mg("query", "partners", "--param", "municipality=Koszalin", "--param", "date=2019-13-01")
    assert bad_date.code == 2 and "parameter date: expected a date as YYYY-MM-DD" in bad_date.err
    unknown = mg("query", "partners", "--param", "municipality=Koszalin", "--param", "colour=red")
    assert unknown.code == 2 and "unknown parameter(s) colour" in unknown.err
    repeated = mg("query", "partners", "--param", "municipality=Koszalin", "--param", "municipality=Trakai")
    assert repeated.code == 2 and "given 2 times" in repeated.err


def test_unknown_query_name_lists_the_names(mg):
    run = mg("query", "partnerz")
    assert run.code == 2
    assert "unknown query 'partnerz'" in run.err and "shared-partners" in run.err and "timeline" in run.err


def test_own_query_from_file_and_network_refusal(mg, tmp_path):
    own = tmp_path / "own.rq"
    own.write_text("SELECT ?n WHERE { ?g mg:activePartnerCount ?n ; mg:wikidata ?q }", encoding="utf-8")
    run = mg("query", "--file", str(own), "--format", "csv")
    assert run.code == 0, run.err
    service = tmp_path / "service.rq"
    service.write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", encoding="utf-8")
    refused = mg("query", "--file", str(service))
    assert refused.code == 2 and "SERVICE" in refused.err and "refused" in refused.err
    remote_from = tmp_path / "from.rq"
    remote_from.write_text("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }", encoding="utf-8")
    refused = mg("query", "--file", str(remote_from))
    assert refused.code == 2 and "FROM <http://example.org/remote.ttl> refused" in refused.err


def test_labels_follow_lang(mg):
    pl = mg("--lang", "pl", "query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "csv").csv()
    uk = mg("--lang", "uk", "query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "csv").csv()
    assert pl[0]["partnerLabel"] != uk[0]["partnerLabel"]
    assert any(ch in uk[0]["partnerLabel"] for ch in "ІіФф")  # Cyrillic


def test_2010_koszalin_ivano_frankivsk_agreement_and_signatories(mg):
    rows = mg("query", "signatories", "--param", "a=Koszalin", "--param", "b=Ivano-Frankivsk", "--format", "csv").csv()
    signed = {r["personLabel"]: r for r in rows if r["role"].endswith("role-signed")}
    assert {"Przemysław Krzyżanowski"} <= set(signed)
    assert "Viktor Anushkevychus" in signed
    assert {r["date"] for r in rows} == {"2010-05"}
    assert signed["Przemysław Krzyżanowski"]["post"].endswith("/post/pl/koszalin/deputy-president")


def test_trakai_partners_with_dates_and_lida_partners(mg):
    trakai = {r["partner"].removeprefix(GOV): r for r in mg("query", "partners", "--param", "municipality=Trakai", "--format", "csv").csv()}
    assert trakai["ua/lutsk"]["start"] == "2010"
    assert trakai["ge/mtskheta"]["start"] == "2015"
    assert trakai["pl/siemiatycze-county"]["start"] == "2001-05-01"
    assert trakai["de/schonebeck"]["start"] == "2022-06-03"
    assert {"pl/koszalin", "ua/ivano-frankivsk", "pl/gizycko", "pl/mragowo"} <= set(trakai)
    lida = {r["partner"].removeprefix(GOV) for r in mg("query", "partners", "--param", "municipality=Lida", "--format", "csv").csv()}
    assert {"pl/koszalin", "ru/svetly", "bg/silistra", "pl/elk"} <= lida
