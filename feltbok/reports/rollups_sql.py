"""The triggers that mark roll-up days stale (reports.rollups), kept apart from the models so
that migration 0003 can use them. PostgreSQL: statement triggers with transition tables (a bulk
insert marks its days once); SQLite: row triggers.
"""

# ruff: noqa: S608  (fixed SQL text, no user input)

STALE = "reports_rollupstaleday"

# Taking a stale mark (deleting it) recomputes that service's day, in SQL both databases run
# alike. The dimensions must match what statistics._source reads on the plain path; the
# consistency tests (test_rollups.py) compare the two.
_DIMS = "area_id, team_id, shift, outreach_mode, age_band, gender, topics_text"
_FROM_ENCOUNTERS = """e.area_id, p.team_id, p.shift, e.outreach_mode"""
_TOPICS = "CAST(e.topics AS text)"
RECOMPUTE_DAY = f"""
    DELETE FROM reports_contactrollup WHERE service_id = OLD.service_id AND day = OLD.day;
    DELETE FROM reports_personrollup WHERE service_id = OLD.service_id AND day = OLD.day;
    DELETE FROM reports_persondayrollup WHERE service_id = OLD.service_id AND day = OLD.day;
    INSERT INTO reports_contactrollup
        (service_id, day, {_DIMS}, kind, encounters, contacts, head_count)
    SELECT e.service_id, e.local_date, {_FROM_ENCOUNTERS}, e.age_band, e.gender, {_TOPICS},
        e.kind, COUNT(*), SUM(e.contact_count), SUM(e.head_count)
    FROM fieldwork_encounter e JOIN fieldwork_patrol p ON p.id = e.patrol_id
    WHERE e.service_id = OLD.service_id AND e.local_date = OLD.day
    GROUP BY e.service_id, e.local_date, {_FROM_ENCOUNTERS}, e.age_band, e.gender, {_TOPICS},
        e.kind;
    INSERT INTO reports_personrollup
        (service_id, day, {_DIMS}, kind, persons, first_contacts)
    SELECT ep.service_id, e.local_date, {_FROM_ENCOUNTERS}, pe.age_band, pe.gender, {_TOPICS},
        e.kind, COUNT(*), SUM(CASE WHEN ep.first_contact THEN 1 ELSE 0 END)
    FROM fieldwork_encounterperson ep
    JOIN fieldwork_encounter e ON e.id = ep.encounter_id
    JOIN fieldwork_patrol p ON p.id = e.patrol_id
    JOIN people_person pe ON pe.id = ep.person_id
    WHERE ep.service_id = OLD.service_id AND e.local_date = OLD.day
    GROUP BY ep.service_id, e.local_date, {_FROM_ENCOUNTERS}, pe.age_band, pe.gender, {_TOPICS},
        e.kind;
    INSERT INTO reports_persondayrollup (service_id, day, {_DIMS}, person_id, first_contact)
    SELECT DISTINCT ep.service_id, e.local_date, {_FROM_ENCOUNTERS}, pe.age_band, pe.gender,
        {_TOPICS}, ep.person_id, ep.first_contact
    FROM fieldwork_encounterperson ep
    JOIN fieldwork_encounter e ON e.id = ep.encounter_id
    JOIN fieldwork_patrol p ON p.id = e.patrol_id
    JOIN people_person pe ON pe.id = ep.person_id
    WHERE ep.service_id = OLD.service_id AND e.local_date = OLD.day;"""  # nosec B608 (fixed SQL text)

POSTGRES_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION reports_stale_encounters() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO {STALE} (service_id, day)
        SELECT DISTINCT service_id, local_date FROM new_rows ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO {STALE} (service_id, day)
        SELECT DISTINCT service_id, local_date FROM old_rows ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- the persons in a moved encounter are counted under their own service
        INSERT INTO {STALE} (service_id, day)
        SELECT DISTINCT ep.service_id, r.local_date
        FROM (SELECT id, local_date FROM old_rows UNION SELECT id, local_date FROM new_rows) r
        JOIN fieldwork_encounterperson ep ON ep.encounter_id = r.id
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_stale_encounter_persons() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO {STALE} (service_id, day)
        SELECT DISTINCT r.service_id, e.local_date
        FROM new_rows r JOIN fieldwork_encounter e ON e.id = r.encounter_id
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO {STALE} (service_id, day)
        SELECT DISTINCT r.service_id, e.local_date
        FROM old_rows r JOIN fieldwork_encounter e ON e.id = r.encounter_id
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_stale_patrol() RETURNS trigger AS $$
BEGIN
    INSERT INTO {STALE} (service_id, day)
    SELECT DISTINCT service_id, local_date FROM fieldwork_encounter WHERE patrol_id = NEW.id
    UNION
    SELECT DISTINCT ep.service_id, e.local_date FROM fieldwork_encounter e
    JOIN fieldwork_encounterperson ep ON ep.encounter_id = e.id WHERE e.patrol_id = NEW.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_stale_person() RETURNS trigger AS $$
BEGIN
    INSERT INTO {STALE} (service_id, day)
    SELECT DISTINCT ep.service_id, e.local_date FROM fieldwork_encounterperson ep
    JOIN fieldwork_encounter e ON e.id = ep.encounter_id WHERE ep.person_id = NEW.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_stale_taken() RETURNS trigger AS $$
BEGIN
{RECOMPUTE_DAY}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rollup_stale_taken AFTER DELETE ON reports_rollupstaleday
    FOR EACH ROW EXECUTE FUNCTION reports_stale_taken();
CREATE TRIGGER rollup_encounter_insert AFTER INSERT ON fieldwork_encounter
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_encounters();
CREATE TRIGGER rollup_encounter_update AFTER UPDATE ON fieldwork_encounter
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_encounters();
CREATE TRIGGER rollup_encounter_delete AFTER DELETE ON fieldwork_encounter
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_encounters();
CREATE TRIGGER rollup_encounterperson_insert AFTER INSERT ON fieldwork_encounterperson
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_encounter_persons();
CREATE TRIGGER rollup_encounterperson_update AFTER UPDATE ON fieldwork_encounterperson
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_encounter_persons();
CREATE TRIGGER rollup_encounterperson_delete AFTER DELETE ON fieldwork_encounterperson
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_encounter_persons();
CREATE TRIGGER rollup_patrol_update AFTER UPDATE OF team_id, shift ON fieldwork_patrol
    FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.shift <> NEW.shift)
    EXECUTE FUNCTION reports_stale_patrol();
CREATE TRIGGER rollup_person_update AFTER UPDATE OF age_band, gender ON people_person
    FOR EACH ROW WHEN (OLD.age_band <> NEW.age_band OR OLD.gender <> NEW.gender)
    EXECUTE FUNCTION reports_stale_person();
"""  # nosec B608 (fixed SQL text)

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS rollup_encounter_insert ON fieldwork_encounter;
DROP TRIGGER IF EXISTS rollup_encounter_update ON fieldwork_encounter;
DROP TRIGGER IF EXISTS rollup_encounter_delete ON fieldwork_encounter;
DROP TRIGGER IF EXISTS rollup_encounterperson_insert ON fieldwork_encounterperson;
DROP TRIGGER IF EXISTS rollup_encounterperson_update ON fieldwork_encounterperson;
DROP TRIGGER IF EXISTS rollup_encounterperson_delete ON fieldwork_encounterperson;
DROP TRIGGER IF EXISTS rollup_patrol_update ON fieldwork_patrol;
DROP TRIGGER IF EXISTS rollup_person_update ON people_person;
DROP TRIGGER IF EXISTS rollup_stale_taken ON reports_rollupstaleday;
DROP FUNCTION IF EXISTS reports_stale_taken();
DROP FUNCTION IF EXISTS reports_stale_encounters();
DROP FUNCTION IF EXISTS reports_stale_encounter_persons();
DROP FUNCTION IF EXISTS reports_stale_patrol();
DROP FUNCTION IF EXISTS reports_stale_person();
"""

_MARK = f"INSERT OR IGNORE INTO {STALE} (service_id, day)"

# SQLite has row triggers only; each statement is run on its own (no multi-statement execute).
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER rollup_stale_taken AFTER DELETE ON reports_rollupstaleday BEGIN
{RECOMPUTE_DAY}
        END""",
    f"""CREATE TRIGGER rollup_encounter_insert AFTER INSERT ON fieldwork_encounter BEGIN
        {_MARK} VALUES (NEW.service_id, NEW.local_date); END""",
    f"""CREATE TRIGGER rollup_encounter_update AFTER UPDATE ON fieldwork_encounter BEGIN
        {_MARK} VALUES (OLD.service_id, OLD.local_date);
        {_MARK} VALUES (NEW.service_id, NEW.local_date);
        {_MARK} SELECT service_id, OLD.local_date FROM fieldwork_encounterperson
            WHERE encounter_id = OLD.id;
        {_MARK} SELECT service_id, NEW.local_date FROM fieldwork_encounterperson
            WHERE encounter_id = NEW.id; END""",  # nosec B608 (fixed SQL text)
    f"""CREATE TRIGGER rollup_encounter_delete AFTER DELETE ON fieldwork_encounter BEGIN
        {_MARK} VALUES (OLD.service_id, OLD.local_date); END""",
    f"""CREATE TRIGGER rollup_encounterperson_insert AFTER INSERT ON fieldwork_encounterperson
        BEGIN {_MARK} SELECT NEW.service_id, local_date FROM fieldwork_encounter
            WHERE id = NEW.encounter_id; END""",  # nosec B608 (fixed SQL text)
    f"""CREATE TRIGGER rollup_encounterperson_update AFTER UPDATE ON fieldwork_encounterperson
        BEGIN {_MARK} SELECT OLD.service_id, local_date FROM fieldwork_encounter
            WHERE id = OLD.encounter_id;
        {_MARK} SELECT NEW.service_id, local_date FROM fieldwork_encounter
            WHERE id = NEW.encounter_id; END""",  # nosec B608 (fixed SQL text)
    f"""CREATE TRIGGER rollup_encounterperson_delete AFTER DELETE ON fieldwork_encounterperson
        BEGIN {_MARK} SELECT OLD.service_id, local_date FROM fieldwork_encounter
            WHERE id = OLD.encounter_id; END""",  # nosec B608 (fixed SQL text)
    f"""CREATE TRIGGER rollup_patrol_update AFTER UPDATE OF team_id, shift ON fieldwork_patrol
        WHEN OLD.team_id IS NOT NEW.team_id OR OLD.shift <> NEW.shift BEGIN
        {_MARK} SELECT service_id, local_date FROM fieldwork_encounter WHERE patrol_id = NEW.id;
        {_MARK} SELECT ep.service_id, e.local_date FROM fieldwork_encounter e
            JOIN fieldwork_encounterperson ep ON ep.encounter_id = e.id
            WHERE e.patrol_id = NEW.id; END""",  # nosec B608 (fixed SQL text)
    f"""CREATE TRIGGER rollup_person_update AFTER UPDATE OF age_band, gender ON people_person
        WHEN OLD.age_band <> NEW.age_band OR OLD.gender <> NEW.gender BEGIN
        {_MARK} SELECT ep.service_id, e.local_date FROM fieldwork_encounterperson ep
            JOIN fieldwork_encounter e ON e.id = ep.encounter_id
            WHERE ep.person_id = NEW.id; END""",  # nosec B608 (fixed SQL text)
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "rollup_stale_taken",
        "rollup_encounter_insert",
        "rollup_encounter_update",
        "rollup_encounter_delete",
        "rollup_encounterperson_insert",
        "rollup_encounterperson_update",
        "rollup_encounterperson_delete",
        "rollup_patrol_update",
        "rollup_person_update",
    )
]


def create_triggers(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGERS, params=None)
    else:
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement, params=None)


def drop_triggers(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)
