"""A throwaway primary with a synchronous streaming standby, for the failover test.

Built the way a dispatch center runs it: ``initdb`` for the primary, ``pg_basebackup -R`` for the standby (which
writes ``standby.signal`` and ``primary_conninfo``), ``synchronous_standby_names = '*'`` so that a COMMIT returns only
once the standby has the WAL. ``synchronous_commit`` stays ``on`` (unlike ``tests/pgserver.py``): that is the
guarantee under test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.pgserver import _free_port, find_bin


@dataclass
class Node:
    data: Path
    port: int
    log: Path


@dataclass
class Cluster:
    directory: Path
    bindir: Path
    as_user: list[str]
    primary: Node
    standby: Node
    stopped: list[Node] = field(default_factory=list)

    def url(self, database: str) -> str:
        return (f"postgresql+psycopg://postgres@127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}/"
                f"{database}?target_session_attrs=read-write")

    def pg_ctl(self, node: Node, *arguments: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(node.data), *arguments],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill_primary(self) -> None:
        """What a power cut does: no shutdown checkpoint, connections cut."""
        self.pg_ctl(self.primary, "stop", "-m", "immediate")
        self.stopped.append(self.primary)

    def promote_standby(self) -> None:
        self.pg_ctl(self.standby, "promote", "-w")

    def stop(self) -> None:
        for node in (self.primary, self.standby):
            if node not in self.stopped:
                subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(node.data), "stop", "-m",
                                "immediate"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"PostgreSQL did not start on port {port}")


def start_cluster() -> Cluster:
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    directory = Path(tempfile.mkdtemp(prefix="dc-pgha-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    primary = Node(directory / "primary", _free_port(), directory / "primary.log")
    standby = Node(directory / "standby", _free_port(), directory / "standby.log")
    cluster = Cluster(directory, bindir, as_user, primary, standby)
    run = [*as_user]
    subprocess.run([*run, str(bindir / "initdb"), "-D", str(primary.data), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    common = (f"listen_addresses='127.0.0.1'\nunix_socket_directories='{directory}'\nfsync=off\n"
              "full_page_writes=off\nmax_connections=100\nwal_level=replica\nmax_wal_senders=5\n"
              "hot_standby=on\nsynchronous_commit=on\n")
    with open(primary.data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(common + f"port={primary.port}\n")
    deadline = time.monotonic() + 60
    cluster.pg_ctl(primary, "start", "-w", "-l", str(primary.log))
    _wait_for_port(primary.port, deadline)
    subprocess.run([*run, str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(standby.data), "-R", "-X", "stream", "--no-sync", "-d",
                    f"host=127.0.0.1 port={primary.port} user=postgres application_name=standby"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(standby.data / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        conf.write(f"port={standby.port}\n")
    cluster.pg_ctl(standby, "start", "-w", "-l", str(standby.log))
    _wait_for_port(standby.port, deadline)
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={primary.port} user=postgres dbname=postgres",
                         autocommit=True) as connection:
        connection.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        connection.execute("SELECT pg_reload_conf()")
        while True:
            row = connection.execute("SELECT sync_state FROM pg_stat_replication").fetchone()
            if row is not None and row[0] == "sync":
                break
            if time.monotonic() > deadline:
                cluster.stop()
                raise RuntimeError(f"the standby did not become synchronous: {row}")
            time.sleep(0.05)
    return cluster


def create_database(cluster: Cluster, name: str) -> None:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={cluster.primary.port} user=postgres dbname=postgres",
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
