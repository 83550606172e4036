"""The tests' throwaway Redis (bench/redis_server.py): ready only when the Redis it started
answers, never another one on its port."""

from __future__ import annotations

import pytest

from bench.redis_server import ThrowawayRedis


@pytest.mark.slow
def test_a_redis_that_cannot_have_its_port_never_takes_another_for_its_own(tmp_path, redis_server) -> None:
    late = ThrowawayRedis()
    # brought back on its port after another Redis took it (as another worker's can, while it is down)
    late.root, late.port = tmp_path, redis_server.port
    try:
        with pytest.raises(RuntimeError, match=f"did not start on port {redis_server.port}"):
            late.launch()
    finally:
        late.kill()
    assert redis_server.answers()
