"""The job queue core (app/queue.py): tasks run in an app context of their own app, periodic
tasks once per minute whatever the number of workers, the storage each setting picks, and what
/healthz says about the queue."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.models import utcnow
from app.queue import QUEUED_AT, QueueWorker, beat, crontab, make_huey, queue, queue_url

ran: list = []


@queue.task(name="tests.queue.record")
def record(value, *, twice=False):
    from flask import current_app

    ran.append((value, twice, current_app.config["SQLALCHEMY_DATABASE_URI"]))
    if value == "again":
        record.enqueue("after")


@queue.periodic(crontab(minute="*/5"), name="tests.queue.every_five")
def every_five():
    ran.append(("periodic", False, None))


@pytest.fixture(autouse=True)
def clean():
    ran.clear()
    yield
    ran.clear()


def test_a_queued_task_runs_in_the_worker_not_in_the_request(app):
    with app.app_context():
        record.enqueue("a", twice=True)
        assert ran == [] and queue.huey().pending_count() == 1
        assert queue.drain() == 1
    assert ran == [("a", True, app.config["SQLALCHEMY_DATABASE_URI"])]


def test_a_task_may_queue_more_and_drain_runs_them_too(app):
    with app.app_context():
        record.enqueue("again")
        assert queue.drain() == 2
    assert [value for value, *_ in ran] == ["again", "after"]


def test_a_delayed_task_waits_in_the_schedule_until_drained(app):
    with app.app_context():
        record.enqueue("later", delay=60)
        huey = queue.huey()
        huey.execute(huey.dequeue())   # what the consumer does: not due, so into the schedule
        assert ran == [] and huey.pending_count() == 0 and huey.scheduled_count() == 1
        assert queue.drain() == 1
    assert [value for value, *_ in ran] == ["later"]


def test_a_plain_call_runs_here_and_now(app):
    with app.app_context():
        record("now")
        assert queue.huey().pending_count() == 0
    assert [value for value, *_ in ran] == ["now"]


def test_immediate_mode_runs_each_task_inside_enqueue(app):
    from flask import Flask

    other = Flask("immediate")
    other.config.update(TESTING=True, QUEUE_IMMEDIATE=True,
                        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    other.extensions["sqlalchemy"] = app.extensions["sqlalchemy"]
    queue.init_app(other)
    with other.app_context():
        record.enqueue("at once")
    assert [value for value, *_ in ran] == ["at once"]


def test_periodic_tasks_run_once_per_due_minute_however_many_schedulers(app):
    due = datetime(2026, 12, 7, 1, 5)
    with app.app_context():
        assert queue.run_periodic(due) >= 1
        assert queue.run_periodic(due) >= 1   # a second worker's scheduler, the same minute
        queue.drain()
        queue.run_periodic(due + timedelta(minutes=1))  # */5: not due at 01:06 (others may be)
        queue.drain()
        queue.run_periodic(due + timedelta(minutes=5))
        queue.drain()
    assert [value for value, *_ in ran] == ["periodic", "periodic"]


def test_each_app_has_its_own_queue(app, tmp_path):
    from app import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'o.db'}"})
    with other.app_context():
        record.enqueue("other's")
    with app.app_context():
        assert queue.drain() == 0
    with other.app_context():
        assert queue.drain() == 1
    assert ran[0][2] == f"sqlite:///{tmp_path / 'o.db'}"


@pytest.mark.parametrize("config, url", [
    ({"QUEUE_URL": "redis://q:6379/3", "REDIS_URL": "redis://r:6379/0"}, "redis://q:6379/3"),
    ({"REDIS_URL": "redis://r:6379/0"}, "redis://r:6379/0"),
    ({"RATELIMIT_STORAGE_URI": "redis://shared:6379/1"}, "redis://shared:6379/1"),
    ({"TESTING": True}, "memory://"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/desk/talon_desk.sqlite"},
     "sqlite:////srv/desk/talon_desk-queue.sqlite"),
    ({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "QUEUE_INSTANCE_PATH": "/srv/i"},
     "sqlite:////srv/i/talon_desk-queue.sqlite"),
])
def test_the_queue_storage_follows_the_settings(config, url):
    assert queue_url({"RATELIMIT_STORAGE_URI": "memory://", **config}) == url


def test_the_sqlite_queue_is_a_file_that_survives_the_process(tmp_path):
    from huey import SqliteHuey

    path = tmp_path / "q.sqlite"
    first = make_huey(f"sqlite:///{path}")
    assert isinstance(first, SqliteHuey)
    first.storage.enqueue(b"x")
    assert make_huey(f"sqlite:///{path}").storage.queue_size() == 1


def test_an_unknown_queue_url_is_refused():
    with pytest.raises(ValueError, match="QUEUE_URL"):
        make_huey("amqp://broker")


def test_healthz_reports_depth_oldest_waiting_age_and_workers_seen(app, client):
    with app.app_context():
        body = client.get("/healthz").get_json()
        assert body["queue"] == {"status": "no_workers", "depth": 0, "scheduled": 0,
                                 "oldest_waiting_seconds": None, "workers_seen": 0}
        record.enqueue("secret-arg-7")
        task = queue.huey().storage.enqueued_items(limit=1)[0]
        # the task waited two minutes: rewrite its queued time
        queue.huey().storage.flush_queue()
        decoded = queue.huey().deserialize_task(task)
        decoded.kwargs[QUEUED_AT] -= 120
        queue.huey().storage.enqueue(queue.huey().serialize_task(decoded))
        beat("host-a:1")
        beat("host-b:2")
        db.session.add(QueueWorker(name="gone:3", started_at=utcnow() - timedelta(hours=1),
                                   seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["queue"]["status"] == "ok" and body["queue"]["depth"] == 1
    assert 119 <= body["queue"]["oldest_waiting_seconds"] < 200
    assert body["queue"]["workers_seen"] == 2
    text = client.get("/healthz").get_data(as_text=True)
    assert "host-a" not in text and "tests.queue" not in text and "secret-arg-7" not in text


def test_an_unreachable_queue_makes_healthz_degraded_not_down(app, client, monkeypatch):
    with app.app_context():
        monkeypatch.setattr(queue.huey().storage, "queue_size",
                            lambda: (_ for _ in ()).throw(ConnectionError("redis down")))
    body = client.get("/healthz").get_json()
    assert client.get("/healthz").status_code == 200
    assert body["status"] == "degraded" and body["queue"]["status"] == "down"


def test_the_worker_heartbeat_thread_beats_and_forgets(app):
    from app.queue import Heartbeat

    heartbeat = Heartbeat(app, name="test:1", interval=3600)
    heartbeat.start()
    heartbeat.stopped.wait(0)  # the first beat is at once
    for _ in range(200):
        with app.app_context():
            if db.session.get(QueueWorker, "test:1"):
                break
        heartbeat.stopped.wait(0.01)
    with app.app_context():
        assert db.session.get(QueueWorker, "test:1") is not None
    heartbeat.stop()
    with app.app_context():
        assert db.session.get(QueueWorker, "test:1") is None
