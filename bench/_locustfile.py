"""Locust users of the election-night mix (run by bench/load.py, which writes BENCH_LOAD_PLAN)."""

import itertools
import json
import os
import random
import uuid

from locust import HttpUser, between, events, task

from bench._mix import photo, tus_metadata

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115 (read once at import)
ACKNOWLEDGED = {"check_ins": [], "copies": [], "evidence": []}
_observers = itertools.cycle(PLAN["observers"])
_coordinators = itertools.cycle(PLAN["coordinators"])
_reviewers = itertools.cycle(PLAN["reviewers"])


@events.test_stop.add_listener
def _write_acknowledged(environment, **kwargs):
    with open(os.environ["BENCH_LOAD_ACKS"], "w") as output:
        json.dump(ACKNOWLEDGED, output)


class Observer(HttpUser):
    """Checks in, sends a protocol with a photo through the resumable upload, polls its status."""

    weight = 6
    wait_time = between(1, 3)

    def on_start(self):
        self.me = next(_observers)
        self.client.headers.update({"Authorization": f"Token {self.me['token']}"})
        client_id = str(uuid.uuid4())
        with self.client.post("/api/check-ins/", json={"client_id": client_id, "deployment": self.me["deployment"],
                                                       "kind": "in"}, name="observer: check in",
                               catch_response=True) as response:
            if response.status_code in (200, 201):
                ACKNOWLEDGED["check_ins"].append(client_id)

    @task(3)
    def send_protocol(self):
        data = photo(random.getrandbits(32))
        tus = {"Tus-Resumable": "1.0.0"}
        created = self.client.post("/api/evidence/uploads/", name="observer: upload create", headers={
            **tus, "Upload-Length": str(len(data)), "Upload-Metadata": tus_metadata({
                "filename": "protocol.jpg", "filetype": "image/jpeg", "client_id": uuid.uuid4(),
                "station": self.me["station"], "election": self.me["election"], "purpose": "protocol_photo"})})
        if created.status_code != 201:
            return
        location = created.headers["Location"]
        half = len(data) // 2
        first = self.client.patch(location, data=data[:half], name="observer: upload chunk", headers={
            **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        if first.status_code != 204:
            return
        last = self.client.patch(location, data=data[half:], name="observer: upload chunk", headers={
            **tus, "Upload-Offset": str(half), "Content-Type": "application/offset+octet-stream"})
        if last.status_code != 204 or "Evidence-Id" not in last.headers:
            return
        evidence = int(last.headers["Evidence-Id"])
        ACKNOWLEDGED["evidence"].append(evidence)
        client_id = str(uuid.uuid4())
        figures = dict(self.me["figures"])
        copy = self.client.post("/api/protocol-copies/", name="observer: protocol", json={
            "client_id": client_id, "deployment": self.me["deployment"], "figures": figures,
            "evidence_ids": [evidence]})
        if copy.status_code in (200, 201):
            ACKNOWLEDGED["copies"].append(client_id)

    @task(2)
    def poll_status(self):
        self.client.get(f"/api/protocol-copies/?deployment={self.me['deployment']}", name="observer: status")


class Coordinator(HttpUser):
    """The dashboard, the live feed, the national map."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        self.client.cookies.set("sessionid", next(_coordinators))
        self.slug = PLAN["election"]

    @task(1)
    def dashboard(self):
        self.client.get(f"/dashboard/{self.slug}/", name="coordinator: dashboard")

    @task(3)
    def feed(self):
        self.client.get(f"/dashboard/{self.slug}/feed.json", name="coordinator: feed")

    @task(1)
    def national_map(self):
        self.client.get(f"/dashboard/{self.slug}/map/clusters.json?zoom=4&bbox=20,35,180,75",
                        name="coordinator: map")


class Reviewer(HttpUser):
    """The queue of open flags."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.client.cookies.set("sessionid", next(_reviewers))

    @task
    def queue(self):
        self.client.get("/api/discrepancies/?status=open", name="reviewer: queue")


class Trivial(HttpUser):
    """The baseline: a view that only answers "ok", on the same server."""

    wait_time = between(1, 3)

    @task
    def trivial(self):
        self.client.get("/bench/trivial/", name="trivial view")
