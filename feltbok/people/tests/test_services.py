"""Creating, reading and searching persons: rules, encryption, scoping and the audit log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.core.crypto import DecryptionError, key_ring
from feltbok.people.models import AgeBand, AnonymityLevel, Gender, Person, PersonFlag
from feltbok.people.selectors import (
    Identity,
    find_likely_matches,
    open_person,
    read_identity,
    search_persons,
)
from feltbok.people.services import (
    PersonData,
    PersonError,
    create_person,
    normalise_nickname,
    phonetic_key,
)

pytestmark = pytest.mark.django_db


def nicknamed(actor, nickname, gender=Gender.MALE, age_band=AgeBand.FROM_18, **extra):
    return create_person(
        actor,
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname=nickname,
            gender=gender,
            age_band=age_band,
            **extra,
        ),
    )


def identified(actor, full_name="Kari Nordmann", national_id="010190 12345", **extra):
    defaults = {"gender": Gender.FEMALE, "age_band": AgeBand.FROM_26}
    defaults.update(extra)
    return create_person(
        actor,
        PersonData(
            anonymity_level=AnonymityLevel.IDENTIFIED,
            full_name=full_name,
            birth_date=datetime.date(1990, 1, 1),
            national_id=national_id,
            **defaults,
        ),
    )


def search_events():
    return AuditEvent.objects.filter(action=AuditAction.SEARCH)


# Creating ---------------------------------------------------------------------------------


class TestCreatePerson:
    def test_description_only(self, worker):
        person = create_person(
            worker,
            PersonData(
                anonymity_level=AnonymityLevel.DESCRIPTION,
                description="  Tall, red jacket, grey dog  ",
                gender=Gender.UNKNOWN,
                age_band=AgeBand.FROM_36,
            ),
        )
        person.refresh_from_db()
        assert person.service_id == worker.service_id
        assert person.created_by == worker.user
        assert person.description == "Tall, red jacket, grey dog"
        assert person.nickname == person.nickname_norm == person.nickname_key == ""
        assert person.full_name_enc == person.birth_date_enc == person.national_id_enc == ""
        assert person.full_name_bidx == person.national_id_bidx == ""
        assert person.display_name == "Tall, red jacket, grey dog"

    def test_nickname(self, worker):
        person = nicknamed(worker, " Bjørn ", flags=[PersonFlag.SAFETY, PersonFlag.SAFETY])
        person.refresh_from_db()
        assert person.anonymity_level == AnonymityLevel.NICKNAME
        assert person.nickname == "Bjørn"
        assert person.nickname_norm == "bjorn"
        assert person.nickname_key == phonetic_key("Bjørn")
        assert person.flags == [PersonFlag.SAFETY]
        assert person.has_safety_flag
        assert person.full_name_enc == ""

    def test_identified(self, worker):
        person = identified(worker)
        person.refresh_from_db()
        assert person.anonymity_level == AnonymityLevel.IDENTIFIED
        assert person.full_name_enc.startswith(f"{key_ring().active_id}:")
        assert person.birth_date_enc
        assert person.national_id_enc
        assert len(person.full_name_bidx) == len(person.national_id_bidx) == 64
        assert person.decrypt_field("full_name") == "Kari Nordmann"
        assert person.decrypt_field("birth_date") == "1990-01-01"
        # Only the digits of a national id are kept.
        assert person.decrypt_field("national_id") == "01019012345"

    def test_birth_year_sets_the_age_band(self, worker):
        person = nicknamed(worker, "Kalle", age_band=AgeBand.UNKNOWN, birth_year=1900)
        assert person.age_band == AgeBand.OVER_65

    def test_creation_is_audited(self, worker):
        person = nicknamed(worker, "Kalle")
        event = AuditEvent.objects.get(action=AuditAction.CREATE)
        assert event.object_type == "person"
        assert event.object_id == str(person.code)
        assert event.actor == worker.user

    def test_peer_worker_may_create(self, actors):
        assert nicknamed(actors["peer_worker"], "Kalle").pk

    @pytest.mark.parametrize("role", ["analyst", "admin"])
    def test_roles_without_the_right_may_not_create(self, actors, role):
        with pytest.raises(PermissionDenied):
            nicknamed(actors[role], "Kalle")
        assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            PersonData(anonymity_level=AnonymityLevel.NICKNAME, gender=Gender.MALE),
            "A person known by nickname needs a nickname.",
        ),
        (
            PersonData(anonymity_level=AnonymityLevel.NICKNAME, gender=Gender.MALE, nickname="  "),
            "A person known by nickname needs a nickname.",
        ),
        (
            PersonData(anonymity_level=AnonymityLevel.DESCRIPTION, gender=Gender.MALE),
            "A person known by description needs a description.",
        ),
        (
            PersonData(
                anonymity_level=AnonymityLevel.IDENTIFIED,
                gender=Gender.MALE,
                nickname="Kalle",
                national_id="01019012345",
            ),
            "An identified person needs a full name.",
        ),
        (
            PersonData(anonymity_level="secret", gender=Gender.MALE, nickname="Kalle"),
            "Choose how anonymous the person is.",
        ),
        (
            PersonData(anonymity_level=AnonymityLevel.NICKNAME, gender="x", nickname="Kalle"),
            "Choose gender and age band.",
        ),
        (
            PersonData(
                anonymity_level=AnonymityLevel.NICKNAME,
                gender=Gender.MALE,
                age_band="40-45",
                nickname="Kalle",
            ),
            "Choose gender and age band.",
        ),
        (
            PersonData(
                anonymity_level=AnonymityLevel.NICKNAME,
                gender=Gender.MALE,
                nickname="Kalle",
                flags=["vip"],
            ),
            "Unknown flag.",
        ),
    ],
)
def test_broken_rules_raise_a_clear_error_and_store_nothing(worker, data, message):
    persons, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(PersonError) as excinfo:
        create_person(worker, data)
    assert str(excinfo.value) == message
    assert Person.objects.count() == persons
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("level", "fields"),
    [
        (AnonymityLevel.NICKNAME, {"description": "Red jacket"}),
        (AnonymityLevel.DESCRIPTION, {"nickname": "Kalle"}),
        (AnonymityLevel.IDENTIFIED, {"nickname": "Kalle"}),
    ],
)
def test_the_database_enforces_the_same_rules(users, service, level, fields):
    person = Person(
        service=service,
        anonymity_level=level,
        gender=Gender.MALE,
        age_band=AgeBand.FROM_18,
        created_by=users["worker"],
        **fields,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save()
    assert not Person.objects.exists()


# Identity ---------------------------------------------------------------------------------


class TestIdentity:
    def test_stored_encrypted(self, worker):
        person = identified(worker, full_name="Åse Ødegård", national_id="01019012345")
        raw = (
            Person.objects.filter(pk=person.pk)
            .values(
                "full_name_enc",
                "birth_date_enc",
                "national_id_enc",
                "full_name_bidx",
                "national_id_bidx",
            )
            .get()
        )
        stored = " ".join(raw.values())
        for secret in ("Åse", "Ødegård", "Ase", "odegard", "01019012345", "1990-01-01", "1990"):
            assert secret.casefold() not in stored.casefold()

    def test_worker_reads_the_identity(self, worker):
        person = identified(worker)
        assert read_identity(worker, person) == Identity(
            full_name="Kari Nordmann", birth_date="1990-01-01", national_id="01019012345"
        )

    def test_identity_survives_a_fresh_load(self, worker):
        person = Person.objects.get(pk=identified(worker).pk)
        assert read_identity(worker, person).full_name == "Kari Nordmann"

    @pytest.mark.parametrize("role", ["peer_worker", "analyst", "admin"])
    def test_roles_without_view_identity_get_none(self, actors, worker, role):
        person = identified(worker)
        assert read_identity(actors[role], person) is None

    def test_not_identified_gives_none(self, worker):
        assert read_identity(worker, nicknamed(worker, "Kalle")) is None

    def test_copied_ciphertext_does_not_decrypt_in_another_row(self, worker):
        kari = identified(worker)
        ola = identified(worker, full_name="Ola Nordmann", national_id="02029054321")
        ola.full_name_enc = kari.full_name_enc
        with pytest.raises(DecryptionError):
            ola.decrypt_field("full_name")


# Search -----------------------------------------------------------------------------------


@pytest.fixture
def cast(actors):
    """Persons of `service` and a look-alike of each in `other_service`."""
    worker, outsider = actors["worker"], actors["outsider"]
    return {
        "kalle": nicknamed(worker, "Kalle"),
        "karlsen": nicknamed(worker, "Karlsen"),
        "store_kalle": nicknamed(worker, "Store-Kalle"),
        "kari": identified(worker, nickname="Kari N"),
        "foreign_kalle": nicknamed(outsider, "Kalle"),
        "foreign_kari": identified(outsider, nickname="Kari N"),
    }


class TestSearchPersons:
    def test_nickname_prefix(self, worker, cast):
        found = search_persons(worker, "ka")
        assert found[:3] == [cast["kalle"], cast["kari"], cast["karlsen"]]

    def test_nickname_prefix_first_then_part(self, worker, cast):
        assert search_persons(worker, "Kalle") == [cast["kalle"], cast["store_kalle"]]

    def test_nickname_part(self, worker, cast):
        assert search_persons(worker, "kall") == [cast["kalle"], cast["store_kalle"]]
        assert search_persons(worker, "lsen") == [cast["karlsen"]]

    def test_nickname_is_case_and_accent_insensitive(self, worker):
        bjorn = nicknamed(worker, "Bjørn")
        assert search_persons(worker, "BJORN") == [bjorn]
        assert search_persons(worker, "bjø") == [bjorn]

    @pytest.mark.parametrize(
        "query", ["01019012345", "010190 12345", "010190-12345", " 0101-90 123 45 "]
    )
    def test_national_id_with_spaces_and_dashes(self, worker, cast, query):
        assert search_persons(worker, query) == [cast["kari"]]

    def test_national_id_is_exact(self, worker, cast):
        assert search_persons(worker, "01019012346") == []
        assert search_persons(worker, "0101901234") == []

    @pytest.mark.parametrize("query", ["Kari Nordmann", "kari  nordmann", "KARI NORDMANN"])
    def test_exact_full_name(self, worker, query):
        kari = identified(worker)  # no nickname: found by the blind index alone
        assert search_persons(worker, query) == [kari]

    def test_partial_full_name_finds_nothing(self, worker):
        identified(worker)
        assert search_persons(worker, "Nordmann") == []

    def test_full_name_needs_view_identity(self, actors, worker):
        identified(worker)
        assert search_persons(actors["peer_worker"], "Kari Nordmann") == []

    @pytest.mark.parametrize("query", ["Kalle", "ka", "Kari N", "010190 12345", "Kari Nordmann"])
    def test_never_returns_another_service(self, actors, cast, query):
        foreign = {cast["foreign_kalle"].pk, cast["foreign_kari"].pk}
        found = search_persons(actors["worker"], query)
        assert found
        assert not {p.pk for p in found} & foreign
        assert all(p.service_id == actors["worker"].service_id for p in found)
        found = search_persons(actors["outsider"], query)
        assert {p.pk for p in found} <= foreign

    @pytest.mark.parametrize("query", ["Kalle", "zzz", "01019012345", "Kari Nordmann"])
    def test_each_search_writes_one_audit_event(self, worker, cast, query):
        before = AuditEvent.objects.count()
        found = search_persons(worker, query)
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.order_by("-pk").first()
        assert event.action == AuditAction.SEARCH
        assert event.service_id == worker.service_id
        assert event.actor == worker.user
        assert event.detail["results"] == [str(p.code) for p in found]
        # The query itself (perhaps a national id) is not written to the log.
        assert query not in str(event.detail)

    def test_limit(self, worker):
        for i in range(5):
            nicknamed(worker, f"Ola {i}")
        assert len(search_persons(worker, "ola", limit=3)) == 3

    def test_analyst_may_not_search(self, actors):
        with pytest.raises(PermissionDenied):
            search_persons(actors["analyst"], "Kalle")
        assert not search_events().exists()


# Opening ----------------------------------------------------------------------------------


class TestOpenPerson:
    def test_opens_and_audits(self, worker, cast):
        person = open_person(worker, cast["kalle"].code)
        assert person == cast["kalle"]
        event = AuditEvent.objects.get(action=AuditAction.READ)
        assert event.object_id == str(person.code)

    def test_another_services_person_is_404_and_not_logged(self, worker, cast):
        before = AuditEvent.objects.count()
        with pytest.raises(Http404):
            open_person(worker, cast["foreign_kalle"].code)
        assert AuditEvent.objects.count() == before

    def test_unknown_code_is_404(self, worker, cast):
        with pytest.raises(Http404):
            open_person(worker, "00000000-0000-0000-0000-000000000000")

    @pytest.mark.parametrize("role", ["analyst", "peer_worker"])
    def test_roles_without_view_person_are_denied(self, actors, cast, role):
        before = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            open_person(actors[role], cast["kalle"].code)
        assert AuditEvent.objects.count() == before


# Search before create ---------------------------------------------------------------------


class TestFindLikelyMatches:
    def test_sound_alike_nickname(self, worker):
        kalle = nicknamed(worker, "Kalle")
        assert find_likely_matches(
            worker, nickname="Calle", age_band=AgeBand.FROM_18, gender=Gender.MALE
        ) == [kalle]

    def test_other_gender_is_not_a_match(self, worker):
        nicknamed(worker, "Kalle", gender=Gender.FEMALE)
        assert (
            find_likely_matches(
                worker, nickname="Calle", age_band=AgeBand.FROM_18, gender=Gender.MALE
            )
            == []
        )

    def test_other_age_band_is_not_a_match(self, worker):
        nicknamed(worker, "Kalle", age_band=AgeBand.FROM_26)
        assert (
            find_likely_matches(
                worker, nickname="Calle", age_band=AgeBand.FROM_18, gender=Gender.MALE
            )
            == []
        )

    def test_other_service_is_not_a_match(self, actors):
        nicknamed(actors["outsider"], "Kalle")
        assert (
            find_likely_matches(
                actors["worker"], nickname="Calle", age_band=AgeBand.FROM_18, gender=Gender.MALE
            )
            == []
        )

    @pytest.mark.parametrize("gender", [Gender.MALE, Gender.FEMALE, Gender.OTHER])
    def test_unknown_gender_matches_any_gender(self, worker, gender):
        kalle = nicknamed(worker, "Kalle", gender=gender)
        assert find_likely_matches(
            worker, nickname="Calle", age_band=AgeBand.FROM_18, gender=Gender.UNKNOWN
        ) == [kalle]

    def test_a_person_of_unknown_gender_matches_a_known_gender(self, worker):
        kalle = nicknamed(worker, "Kalle", gender=Gender.UNKNOWN)
        assert find_likely_matches(
            worker, nickname="Calle", age_band=AgeBand.FROM_18, gender=Gender.FEMALE
        ) == [kalle]

    def test_unlike_nickname_is_not_a_match(self, worker):
        nicknamed(worker, "Kalle")
        assert (
            find_likely_matches(
                worker, nickname="Petter", age_band=AgeBand.FROM_18, gender=Gender.MALE
            )
            == []
        )

    def test_empty_nickname_matches_nothing_and_logs_nothing(self, worker):
        nicknamed(worker, "Kalle")
        assert (
            find_likely_matches(worker, nickname="  ", age_band=AgeBand.FROM_18, gender="male")
            == []
        )
        assert not search_events().exists()

    def test_is_audited(self, worker):
        kalle = nicknamed(worker, "Kalle")
        find_likely_matches(worker, nickname="Calle", age_band=AgeBand.FROM_18, gender="male")
        event = search_events().get()
        assert event.detail["results"] == [str(kalle.code)]


# Normalising ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nickname", "expected"),
    [
        ("Bjørn Åse", "bjorn ase"),
        ("  ÆRLIG   Øyvind ", "aerlig oyvind"),
        ("Zoë", "zoe"),
        ("Jürgen", "jurgen"),
        ("", ""),
    ],
)
def test_normalise_nickname(nickname, expected):
    assert normalise_nickname(nickname) == expected


@pytest.mark.parametrize(
    ("one", "other"), [("Calle", "Kalle"), ("Kahle", "Kalle"), ("Filip", "Philip")]
)
def test_phonetic_key_sound_alikes(one, other):
    assert phonetic_key(one) == phonetic_key(other)


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "0-12"),
        (12, "0-12"),
        (13, "13-17"),
        (17, "13-17"),
        (18, "18-22"),
        (22, "18-22"),
        (23, "23-25"),
        (25, "23-25"),
        (26, "26-35"),
        (35, "26-35"),
        (36, "36-49"),
        (49, "36-49"),
        (50, "50-65"),
        (65, "50-65"),
        (66, "66+"),
        (104, "66+"),
    ],
)
def test_age_band_for_age(age, band):
    assert AgeBand.for_age(age) == band
