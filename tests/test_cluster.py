from __future__ import annotations

import pytest
import redis

from perfkit.connection import Keyspace, SyncClient, health
from perfkit.embedded import EmbeddedCluster
from perfkit.keyspace_admin import clear, keyspace_stats

pytestmark = pytest.mark.cluster


def test_cluster_has_three_masters_and_every_slot(redis_cluster: EmbeddedCluster) -> None:
    node = redis.Redis(port=redis_cluster.servers[0].port)
    info = node.cluster("info")
    node.close()
    assert info["cluster_state"] == "ok"
    assert int(info["cluster_slots_assigned"]) == 16384
    assert int(info["cluster_size"]) == 3


def test_keys_across_slots_are_written_and_read(
    cluster_client: SyncClient, keyspace: Keyspace
) -> None:
    keys = [keyspace.key("audio", str(i)) for i in range(200)]
    for i, key in enumerate(keys):
        cluster_client.set(key, i)
    slots = {cluster_client.keyslot(k) for k in keys}
    nodes = {cluster_client.get_node_from_key(k).name for k in keys}
    assert len(nodes) == 3 and len(slots) > 100
    assert [int(cluster_client.get(k)) for k in keys] == list(range(200))


def test_stats_and_clear_span_every_node(cluster_client: SyncClient, keyspace: Keyspace) -> None:
    for i in range(60):
        cluster_client.set(keyspace.key("audio", str(i)), i)
        cluster_client.set(keyspace.key("recs", str(i)), i)
    assert keyspace_stats(cluster_client, keyspace).keys_by_namespace == {"audio": 60, "recs": 60}
    assert clear(cluster_client, keyspace, "audio") == 60
    assert keyspace_stats(cluster_client, keyspace).keys_by_namespace == {"recs": 60}
    assert health(cluster_client).status == "healthy"
