"""Load test of the public concern form: N concurrent submitters on this machine. Not a test.

The issue's target: the form answers within 100 ms at the 95th percentile under 50
concurrent submitters. Each simulated submitter, for every concern, opens the form (GET,
which gives the CSRF cookie and token), sends the concern (POST, answered by a redirect to the
receipt, not followed) and opens the receipt (GET), with a short pause between submissions.

    # 1. A fresh database (SQLite in a temporary directory, or DATABASE_URL) with a service:
    export DJANGO_SETTINGS_MODULE=bench.concern_settings FELTBOK_VAR_DIR=$(mktemp -d)
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python manage.py collectstatic -v0 --no-input
    .venv/bin/python manage.py shell -c "from feltbok.organisation.models import Service; \
        from feltbok.oncall.models import OncallSettings; from feltbok.oncall.services import \
        seed_default_hours; s = Service.objects.create(name='Bench', country='NO'); \
        seed_default_hours(s); OncallSettings.objects.create(service=s, public_slug='bench')"
    # 2. The server: gunicorn (not a Feltbok dependency; see docs/operations.md), 3 workers.
    gunicorn feltbok.wsgi:application --bind 127.0.0.1:8010 --workers 3
    # 3. The load (locust in its own environment: pip install locust):
    locust -f bench/concern_locustfile.py --headless -u 50 -r 10 -t 60s \
        --host http://127.0.0.1:8010 --csv /tmp/concern --only-summary

SLUG names the form (default "bench"). Bounded in time by -t; it talks only to --host.
"""

import os
import random
import re

from locust import HttpUser, between, task

SLUG = os.environ.get("SLUG", "bench")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SIGNS = ["never_outside", "wanders", "night_day", "isolated", "loud_music", "eviction"]
TEXTS = [
    "Naboen kommer aldri ut, og det lukter vondt fra leiligheten.",
    "En ung mann sover i trappeoppgangen hver natt denne uka.",
    "Min nabo spiller høj musik om natten og har fået brev om udsættelse.",
]


class Submitter(HttpUser):
    wait_time = between(0.5, 1.5)

    form = f"/concern/{SLUG}/"

    @task
    def submit(self):
        response = self.client.get(self.form, name="GET form")
        match = TOKEN.search(response.text)
        data = {
            "csrfmiddlewaretoken": match.group(1) if match else "",
            "signs": random.sample(SIGNS, 2),
            "concern": random.choice(TEXTS),
            "where": "Oslo S",
            "when": "Kveld",
            "website": "",
        }
        headers = {"Referer": self.client.base_url + self.form}
        with self.client.post(
            self.form,
            data=data,
            headers=headers,
            name="POST concern",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
        self.client.get(f"{self.form}received/", name="GET receipt")
