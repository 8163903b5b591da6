"""The sync protocol as a state machine: a phone's outbox against the server.

Hypothesis queues entries on a simulated phone (tallies, contacts with new and known persons,
area visits and their ends, observations, incidents) and sends them the ways a network
allows: a random subset in random order, a batch of which the server applied only a prefix
before the connection dropped (the answer lost), duplicate sends, reordered sends and "retry
everything pending". After every step, nothing is stored twice and everything the phone saw
acknowledged is stored exactly once; after a final "retry all", every entry is.

Each example runs in a savepoint that is rolled back at its end, on a patrol of its own, so
every example starts from the same database.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from feltbok.audit.models import AuditEvent
from feltbok.core.access import actor_for_user
from feltbok.fieldwork.models import (
    AreaVisit,
    Encounter,
    EncounterPerson,
    EnvironmentObservation,
    IncidentNote,
    Shift,
)
from feltbok.fieldwork.services import start_patrol
from feltbok.people.models import AgeBand, Gender, Person
from feltbok.sync.models import SyncReceipt
from feltbok.sync.services import apply_batch
from feltbok.sync.tests import outbox

FINAL = {200, 201, 409}
NICKNAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå", min_size=1, max_size=12)
CELLS = st.lists(
    st.tuples(st.sampled_from(AgeBand.values), st.sampled_from(Gender.values), st.integers(0, 4)),
    min_size=1,
    max_size=4,
)


def tally_rows(entry):
    """Encounter rows a tally makes: one per age band and gender with a count."""
    cells = {}
    for cell in entry["data"]["counts"]:
        key = (cell["age_band"], cell["gender"])
        cells[key] = cells.get(key, 0) + cell["count"]
    return sum(1 for n in cells.values() if n)


def sync_machine(client, actor, colleague, area, known_person):
    class PhoneAndServer(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.example = transaction.atomic()
            self.example.__enter__()
            self.patrol = start_patrol(actor, colleague=colleague, shift=Shift.DAY, areas=[area])
            self.outbox = []  # every entry the phone made, in the order it made them
            self.acked = {}  # key → the final answer the phone saw
            self.persons = [str(known_person.code)]
            self.visits = []
            self.ended_visits = set()

        def teardown(self):
            try:
                self.retry_all()
                self.check_stored_exactly_once()
            finally:
                transaction.set_rollback(True)
                self.example.__exit__(None, None, None)

        # --- The phone queues entries (offline) -------------------------------------------

        def queue(self, entry):
            self.outbox.append(entry)

        @rule(cells=CELLS)
        def queue_tally(self, cells):
            if not any(n for _band, _gender, n in cells):
                cells = [(*cells[0][:2], 1), *cells[1:]]
            self.queue(outbox.tally(self.patrol, area, counts=cells))

        @rule(nickname=NICKNAMES, data=st.data())
        def queue_new_person(self, nickname, data):
            extra = {}
            if self.visits and data.draw(st.booleans(), label="in a visit"):
                extra["visit"] = data.draw(st.sampled_from(self.visits), label="visit")
            entry = outbox.new_person_encounter(self.patrol, area, nickname=nickname, **extra)
            self.persons.append(entry["data"]["new_person"]["id"])
            self.queue(entry)

        @rule(data=st.data())
        def queue_known_contact(self, data):
            person = data.draw(st.sampled_from(self.persons), label="person")
            self.queue(outbox.known_encounter(self.patrol, area, person))

        @rule()
        def queue_visit_start(self):
            entry = outbox.visit_start(self.patrol, area)
            self.visits.append(entry["data"]["id"])
            self.queue(entry)

        @precondition(lambda self: set(self.visits) - self.ended_visits)
        @rule(data=st.data())
        def queue_visit_end(self, data):
            open_visits = [v for v in self.visits if v not in self.ended_visits]
            visit = data.draw(st.sampled_from(open_visits), label="visit to end")
            self.ended_visits.add(visit)
            self.queue(outbox.visit_end(visit, version=1))

        @precondition(lambda self: self.visits)
        @rule(data=st.data())
        def queue_observation(self, data):
            visit = data.draw(st.sampled_from(self.visits), label="visit observed")
            self.queue(outbox.observation(visit))

        @rule()
        def queue_incident(self):
            self.queue(outbox.incident(self.patrol, area))

        # --- The network -------------------------------------------------------------------

        def pending(self):
            return [entry for entry in self.outbox if entry["key"] not in self.acked]

        def send(self, entries):
            results = outbox.send(client, entries)
            for entry, result in zip(entries, results, strict=True):
                self.receive(entry, result)

        def receive(self, entry, result):
            key = entry["key"]
            assert result["key"] == key
            if key in self.acked:
                # A replay: the stored answer, unchanged.
                assert result == self.acked[key]
            elif result["status"] in FINAL:
                assert result["status"] != 409 or entry["type"] == "visit.end", result
                self.acked[key] = result
            else:
                # Waiting for an entry sent later (a person, a visit): kept and sent again.
                assert result["status"] == 404, result
                assert result["error"]["code"] == "not_found"

        @precondition(lambda self: self.pending())
        @rule(data=st.data())
        def send_a_random_subset_in_random_order(self, data):
            pending = self.pending()
            chosen = data.draw(
                st.lists(st.sampled_from(range(len(pending))), min_size=1, unique=True),
                label="entries sent",
            )
            self.send([pending[i] for i in chosen])

        @precondition(lambda self: self.pending())
        @rule(data=st.data())
        def network_drops_mid_batch(self, data):
            """The server applied the first entries, then the connection broke."""
            pending = self.pending()
            chosen = data.draw(st.permutations(pending), label="batch")
            cut = data.draw(st.integers(0, len(chosen)), label="applied before the drop")
            apply_batch(actor, chosen[:cut])

        @precondition(lambda self: self.acked)
        @rule(data=st.data())
        def duplicate_send(self, data):
            sent = [entry for entry in self.outbox if entry["key"] in self.acked]
            chosen = data.draw(st.lists(st.sampled_from(sent), min_size=1), label="again")
            self.send(chosen)

        @precondition(lambda self: self.pending())
        @rule()
        def reorder(self):
            self.send(list(reversed(self.pending())))

        @rule()
        def retry_all(self):
            """Everything pending, in the order it was queued: each gets its final answer."""
            self.send(self.pending())
            assert not self.pending(), self.pending()

        # --- What must always hold -----------------------------------------------------------

        def stored(self):
            """Entries of this outbox the server stored, with the status it stored them at."""
            keys = [entry["key"] for entry in self.outbox]
            receipts = dict(SyncReceipt.objects.filter(key__in=keys).values_list("key", "status"))
            return {
                entry["key"]: entry
                for entry in self.outbox
                if receipts.get(entry["key"]) in (200, 201)
            }

        @invariant()
        def acknowledged_entries_are_stored(self):
            stored = self.stored()
            for key, result in self.acked.items():
                assert (key in stored) == (result["status"] != 409)

        @invariant()
        def nothing_is_stored_twice(self):
            stored = self.stored().values()
            by_type = {}
            for entry in stored:
                by_type.setdefault(entry["type"], []).append(entry)

            def ids(entry_type):
                return {entry["data"]["id"] for entry in by_type.get(entry_type, [])}

            encounters = Encounter.objects.filter(patrol=self.patrol)
            expected = len(ids("encounter")) + sum(map(tally_rows, by_type.get("tally", [])))
            assert encounters.count() == expected
            codes = {str(code) for code in encounters.values_list("code", flat=True)}
            assert ids("encounter") <= codes
            # Each contact was applied once: one audit event of its creation, one person row.
            created = AuditEvent.objects.filter(
                action="create", object_type="encounter", object_id__in=ids("encounter")
            )
            assert created.count() == len(ids("encounter"))
            contacts = EncounterPerson.objects.filter(encounter__patrol=self.patrol)
            assert contacts.count() == len(ids("encounter"))

            new_persons = {
                entry["data"]["new_person"]["id"]
                for entry in self.outbox
                if entry["type"] == "encounter" and "new_person" in entry["data"]
            }
            created_persons = {
                str(code)
                for code in Person.objects.filter(code__in=new_persons).values_list(
                    "code", flat=True
                )
            }
            assert created_persons == {
                entry["data"]["new_person"]["id"]
                for entry in by_type.get("encounter", [])
                if "new_person" in entry["data"]
            }

            visits = AreaVisit.objects.filter(patrol=self.patrol).values_list("code", flat=True)
            assert sorted(map(str, visits)) == sorted(ids("visit.start"))
            observations = EnvironmentObservation.objects.filter(visit__patrol=self.patrol)
            assert sorted(str(o.code) for o in observations) == sorted(ids("observation"))
            incidents = IncidentNote.objects.filter(patrol=self.patrol)
            assert sorted(str(i.code) for i in incidents) == sorted(ids("incident"))
            for entry in by_type.get("visit.end", []):
                visit = AreaVisit.objects.get(code=entry["data"]["id"])
                assert visit.left_at is not None
                assert visit.version >= 2

        def check_stored_exactly_once(self):
            assert not self.pending()
            self.acknowledged_entries_are_stored()
            self.nothing_is_stored_twice()

    return PhoneAndServer


@pytest.mark.django_db
def test_sync_protocol_state_machine(login, users, area, person):
    client = login("worker")
    actor = actor_for_user(users["worker"])
    machine = sync_machine(client, actor, users["colleague"], area, person)

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
