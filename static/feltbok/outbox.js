// Feltbok's offline outbox: patrol entries are kept on the phone (IndexedDB) until the server
// has stored them, and sent through POST /api/sync with an id and idempotency key made here,
// so a retry or a duplicate send never stores anything twice (docs/sync-protocol.md).
// The phone keeps only the outbox and a small look-up list; both are deleted at log-out.
(() => {
  "use strict";

  const DB_NAME = "feltbok";
  const OUTBOX = "outbox";
  const LOOKUP = "lookup";
  const BATCH = 200;
  const RETRY_MS = 30000;

  const i18nElement = document.getElementById("feltbok-i18n");
  const t = i18nElement ? JSON.parse(i18nElement.textContent) : {};
  const csrf = document.querySelector("meta[name=csrf-token]")?.content || "";

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore(OUTBOX, { keyPath: "key" });
        db.createObjectStore(LOOKUP, { keyPath: "id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function store(name, mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const result = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : result);
      tx.onerror = () => reject(tx.error);
    });
  }

  const allEntries = () => store(OUTBOX, "readonly", (s) => s.getAll());
  const putEntry = (entry) => store(OUTBOX, "readwrite", (s) => s.put(entry));
  const deleteEntry = (key) => store(OUTBOX, "readwrite", (s) => s.delete(key));

  function uuid() {
    return crypto.randomUUID();
  }

  function now() {
    return new Date().toISOString();
  }

  // --- Sending -----------------------------------------------------------------------------

  let sending = null;
  let unsent = 0;

  async function flush() {
    if (sending) return sending;
    sending = (async () => {
      try {
        // In the order they were recorded: an arrival before its observations, the end last.
        const pending = (await allEntries())
          .filter((e) => e.status === "pending")
          .sort((a, b) => a.created.localeCompare(b.created) || a.seq - b.seq);
        for (let i = 0; i < pending.length; i += BATCH) {
          const batch = pending.slice(i, i + BATCH);
          let response;
          try {
            response = await fetch("/api/sync", {
              method: "POST",
              credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
              body: JSON.stringify({
                entries: batch.map(({ key, type, data }) => ({ key, type, data })),
              }),
            });
          } catch (_networkError) {
            return; // offline: everything stays in the outbox
          }
          if (!response.ok) return; // logged out, or the server is down: try again later
          const { results } = await response.json();
          for (const result of results) {
            const entry = batch.find((e) => e.key === result.key);
            if (!entry) continue;
            if (result.status >= 200 && result.status < 300) {
              await deleteEntry(entry.key);
            } else {
              // Refused entries are never dropped: they stay visible with the reason.
              entry.status = "rejected";
              entry.error = result.error ? result.error.message : String(result.status);
              await putEntry(entry);
            }
          }
        }
      } finally {
        sending = null;
        await showStatus();
      }
    })();
    return sending;
  }

  async function enqueue(type, data, label, patrol) {
    const entry = {
      key: uuid(),
      type,
      data,
      label,
      patrol,
      created: now(),
      seq: performance.now(),
      status: "pending",
    };
    await putEntry(entry);
    await showStatus();
    return entry;
  }

  // --- What the worker sees ----------------------------------------------------------------

  async function showStatus() {
    const status = document.getElementById("outbox-status");
    let entries = [];
    try {
      entries = await allEntries();
    } catch (_error) {
      return;
    }
    const patrol = document.querySelector("[data-patrol]")?.dataset.patrol;
    const pending = entries.filter((e) => e.status === "pending");
    const rejected = entries.filter((e) => e.status === "rejected");
    unsent = entries.length;
    document.documentElement.dataset.unsent = String(unsent);
    if (status) {
      const parts = [];
      if (pending.length) parts.push(t.pending.replace("%(n)s", pending.length));
      if (rejected.length) parts.push(t.rejected.replace("%(n)s", rejected.length));
      status.textContent = parts.join(" · ");
      status.hidden = parts.length === 0;
      status.dataset.pending = String(pending.length);
    }
    const list = document.getElementById("patrol-entries");
    if (list && patrol) {
      list.querySelectorAll("li[data-outbox-key]").forEach((li) => li.remove());
      for (const entry of entries.filter((e) => e.patrol === patrol)) {
        const li = document.createElement("li");
        li.className = "row-item unsent";
        li.dataset.outboxKey = entry.key;
        const tag = document.createElement("span");
        tag.className = "ds-tag";
        tag.dataset.color = entry.status === "rejected" ? "danger" : "warning";
        tag.textContent = entry.status === "rejected" ? t.refused : t.not_sent;
        const text = document.createElement("span");
        text.textContent = entry.label + (entry.error ? ` – ${entry.error}` : "");
        li.append(tag, text);
        list.prepend(li);
      }
    }
  }

  // --- Look-up list for finding a known person offline --------------------------------------

  async function refreshLookup() {
    try {
      const response = await fetch("/api/lookup", { credentials: "same-origin" });
      if (!response.ok) return;
      const { persons } = await response.json();
      await store(LOOKUP, "readwrite", (s) => {
        s.clear();
        persons.forEach((p) => s.put(p));
      });
    } catch (_networkError) {
      // offline: keep the list from last time
    }
  }

  function fold(text) {
    return text
      .toLowerCase()
      .replaceAll("æ", "ae")
      .replaceAll("ø", "o")
      .replaceAll("å", "a")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "");
  }

  async function findInLookup(query) {
    const folded = fold(query.trim());
    if (!folded) return [];
    const persons = await store(LOOKUP, "readonly", (s) => s.getAll());
    return persons
      .filter((p) => fold(p.name).includes(folded))
      .sort((a, b) => fold(a.name).indexOf(folded) - fold(b.name).indexOf(folded))
      .slice(0, 20);
  }

  // --- Forms that go through the outbox ----------------------------------------------------

  function values(form, name) {
    return new FormData(form).getAll(name).filter((v) => v !== "");
  }

  function value(form, name) {
    return new FormData(form).get(name) || "";
  }

  const builders = {
    tally(form, patrol) {
      const counts = [];
      for (const [name, raw] of new FormData(form).entries()) {
        const match = /^n_(.+)_(female|male|unknown)$/.exec(name);
        const count = parseInt(raw, 10) || 0;
        if (match && count > 0) counts.push({ age_band: match[1], gender: match[2], count });
      }
      const total = counts.reduce((sum, c) => sum + c.count, 0);
      return {
        type: "tally",
        data: { patrol, area: value(form, "area"), occurred_at: now(), counts },
        label: t.tally.replace("%(n)s", total),
        valid: total > 0,
      };
    },
    contact(form, patrol) {
      return {
        type: "encounter",
        data: {
          id: uuid(),
          patrol,
          area: value(form, "area"),
          occurred_at: now(),
          kind: "individual",
          persons: [form.dataset.person],
          topics: values(form, "topics"),
          outreach_mode: value(form, "outreach_mode") || "open",
          note: value(form, "note"),
        },
        label: form.dataset.personName || "",
        valid: Boolean(form.dataset.person),
      };
    },
    "new-person"(form, patrol) {
      const nickname = value(form, "person-nickname");
      const description = value(form, "person-description");
      const level = value(form, "person-anonymity_level");
      return {
        type: "encounter",
        data: {
          id: uuid(),
          patrol,
          area: value(form, "area"),
          occurred_at: now(),
          kind: "individual",
          persons: [],
          new_person: {
            id: uuid(),
            anonymity_level: level,
            nickname,
            description,
            gender: value(form, "person-gender") || "unknown",
            age_band: value(form, "person-age_band") || "unknown",
          },
          topics: values(form, "topics"),
          outreach_mode: value(form, "outreach_mode") || "open",
          note: value(form, "note"),
        },
        label: `${t.new_person}: ${nickname || description}`,
        valid: level === "nickname" ? Boolean(nickname.trim()) : Boolean(description.trim()),
        // Identity is never kept on the phone: identified persons are registered online.
        online_only: level === "identified",
      };
    },
    group(form, patrol) {
      const persons = values(form, "persons");
      const others = parseInt(value(form, "head_count"), 10) || 0;
      return {
        type: "encounter",
        data: {
          id: uuid(),
          patrol,
          area: value(form, "area"),
          occurred_at: now(),
          kind: "group",
          persons,
          head_count: others,
          topics: values(form, "topics"),
          outreach_mode: value(form, "outreach_mode") || "open",
          note: value(form, "note"),
        },
        label: t.group.replace("%(n)s", persons.length + others),
        valid: persons.length + others >= 2,
      };
    },
    async observation(form, patrol) {
      // The visit under way: from the page, or the last arrival recorded on this phone.
      let visit = form.dataset.visit;
      const arrivals = (await allEntries()).filter(
        (e) => e.type === "visit.start" && e.patrol === patrol,
      );
      arrivals.sort((a, b) => a.created.localeCompare(b.created) || a.seq - b.seq);
      if (arrivals.length) visit = arrivals[arrivals.length - 1].data.id;
      const people = value(form, "people_present");
      return {
        type: "observation",
        data: {
          id: uuid(),
          visit,
          environment: value(form, "environment") || null,
          observed_at: now(),
          people_present: people === "" ? null : parseInt(people, 10),
          age_mix: values(form, "age_mix"),
          mood: value(form, "mood"),
          substances: values(form, "substances"),
          note: value(form, "note"),
        },
        label: t.observation,
        valid: Boolean(visit),
      };
    },
    incident(form, patrol) {
      return {
        type: "incident",
        data: {
          id: uuid(),
          patrol,
          area: value(form, "area"),
          occurred_at: now(),
          kind: value(form, "kind"),
          note: value(form, "note"),
          place: value(form, "place") || null,
          actions: values(form, "actions"),
          persons: values(form, "persons"),
          staff_affected: values(form, "staff_affected"),
        },
        label: t.incident,
        valid: Boolean(value(form, "kind") && value(form, "note").trim()),
      };
    },
    arrive(form, patrol) {
      const select = form.querySelector("select[name=area]");
      return {
        type: "visit.start",
        data: {
          id: uuid(),
          patrol,
          area: value(form, "area"),
          place: value(form, "place") || null,
          arrived_at: now(),
        },
        label: `${t.arrived}: ${select ? select.selectedOptions[0].textContent : ""}`,
        valid: Boolean(value(form, "area")),
      };
    },
    end(form, patrol) {
      return { type: "patrol.end", data: { patrol, ended_at: now() }, label: t.ended, valid: true };
    },
  };

  async function submitThroughOutbox(event) {
    const form = event.target.closest("form[data-outbox]");
    if (!form || !window.indexedDB || !("randomUUID" in crypto)) return;
    const patrol = form.dataset.patrol;
    let built = builders[form.dataset.outbox](form, patrol);
    if (built instanceof Promise) {
      // A builder that reads the outbox: decide before awaiting it.
      event.preventDefault();
      built = await built;
      if (!built.valid) {
        HTMLFormElement.prototype.submit.call(form); // the server explains what is missing
        return;
      }
    }
    // Let the server answer what the phone cannot check (missing fields, identity).
    if (!built.valid || (built.online_only && navigator.onLine)) return;
    if (built.online_only) {
      event.preventDefault();
      window.alert(t.identity_online); // identity never waits on the phone
      return;
    }
    const newPerson = form.dataset.outbox === "new-person" && !form.dataset.checked;
    if (newPerson && navigator.onLine) return; // online, the server shows likely matches first
    // Decided before the first await: from here on the outbox takes the entry.
    event.preventDefault();
    if (newPerson) {
      const matches = await findInLookup(built.data.new_person.nickname || "");
      if (matches.length) {
        form.dataset.checked = "1";
        showOfflineMatches(form, matches);
        return;
      }
    }
    if (form.dataset.outbox === "end") {
      const pending = (await allEntries()).filter((e) => e.patrol === patrol).length;
      if (pending && !window.confirm(form.querySelector("[data-unsent-warning]").dataset.unsentWarning)) {
        return;
      }
    }
    if (built.type === "encounter" && "exactLocation" in document.body.dataset) {
      const position = await currentPosition();
      if (position) built.data.position = position;
    }
    await enqueue(built.type, built.data, built.label, patrol);
    await Promise.race([flush(), new Promise((resolve) => setTimeout(resolve, 5000))]);
    const patrolPage = `/patrols/${patrol}/`;
    window.location.href = navigator.onLine ? form.dataset.next || patrolPage : patrolPage;
  }

  // Only where the service stores exact locations (off by default). A contact is never held
  // up for it: no fix within three seconds, and it is stored at area and place level.
  function currentPosition() {
    if (!navigator.geolocation) return Promise.resolve(null);
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (fix) => resolve({ lat: fix.coords.latitude, lon: fix.coords.longitude }),
        () => resolve(null),
        { enableHighAccuracy: true, timeout: 3000, maximumAge: 60000 },
      );
      setTimeout(() => resolve(null), 3500);
    });
  }

  function showOfflineMatches(form, matches) {
    const box = form.querySelector("[data-offline-matches]");
    if (!box) return;
    const list = box.querySelector("ul");
    list.replaceChildren(
      ...matches.map((p) => {
        const li = document.createElement("li");
        li.textContent = p.name;
        return li;
      }),
    );
    box.hidden = false;
  }

  // --- Known person, from the look-up list (works offline) ----------------------------------

  async function searchKnown(input) {
    const container = document.getElementById("person-results");
    const form = document.querySelector("form[data-outbox=contact]");
    if (!container || !form) return;
    const persons = await findInLookup(input.value);
    if (!persons.length && input.value.trim()) return; // let the server answer (htmx)
    const list = document.createElement("ul");
    list.className = "plain-list person-list";
    for (const person of persons) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "person-pick";
      button.dataset.pickPerson = person.id;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = person.name;
      button.append(name);
      for (const flag of person.flags) {
        const tag = document.createElement("span");
        tag.className = "ds-tag";
        tag.dataset.color = flag === "safety" ? "danger" : "warning";
        tag.textContent = t.flags[flag] || flag;
        button.append(tag);
      }
      li.append(button);
      list.append(li);
    }
    container.replaceChildren(list);
  }

  function pickPerson(id, name) {
    const form = document.querySelector("form[data-outbox=contact]");
    form.dataset.person = id;
    form.dataset.personName = name;
    form.querySelector("[data-person-name]").textContent = name;
    form.hidden = false;
    form.querySelector("button[type=submit]").focus();
  }

  document.addEventListener("click", (event) => {
    const picked = event.target.closest("[data-pick-person]");
    if (picked) {
      event.preventDefault();
      pickPerson(picked.dataset.pickPerson, picked.querySelector(".name").textContent);
    }
  });

  document.addEventListener("submit", submitThroughOutbox);

  document.addEventListener("DOMContentLoaded", () => {
    const search = document.querySelector("input[data-lookup]");
    if (search) {
      search.addEventListener("input", () => searchKnown(search));
      search.form.addEventListener("submit", (event) => {
        event.preventDefault();
        searchKnown(search);
      });
    }
    document.querySelectorAll("a.person-pick[data-person]").forEach((link) => {
      link.dataset.pickPerson = link.dataset.person;
    });
    const patrolPage = document.querySelector(".patrol-mode[data-recording]");
    if (patrolPage && navigator.serviceWorker) {
      navigator.serviceWorker.register("/sw.js").then(() =>
        navigator.serviceWorker.ready.then((registration) =>
          registration.active.postMessage({
            type: "precache",
            urls: JSON.parse(patrolPage.dataset.offlineUrls || "[]"),
          }),
        ),
      );
    }
    if (patrolPage) refreshLookup();
    showStatus();
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);

  // Nothing stays on the phone after log-out, but unsent entries are never lost unasked.
  document.addEventListener("submit", (event) => {
    if (!event.target.matches("form[data-logout]")) return;
    if (unsent && !window.confirm(t.logout_unsent.replace("%(n)s", unsent))) {
      event.preventDefault();
      return;
    }
    indexedDB.deleteDatabase(DB_NAME);
    if (window.caches) caches.keys().then((keys) => keys.forEach((k) => caches.delete(k)));
  });
})();
