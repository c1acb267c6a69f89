"""The tutorial app (docs/tutorials/fastapi.md): a small FastAPI service with perfkit.

A shop's API: items in memory, a "slow" user lookup standing in for a database, a search
limited per client address, an account route limited per API key. perfkit adds the
cache, the limits, the measurement of every request and ``/metrics``.

Run it (Redis at REDIS_URL)::

    REDIS_URL=redis://localhost:6379/0 uvicorn examples.fastapi_app:app --port 8000
"""

from __future__ import annotations

import asyncio

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel

from perfkit.asgi import Perfkit

perf = Perfkit.from_env(ttls={"users": 600})  # reads REDIS_URL and PERFKIT_* once, now
app = FastAPI(title="Shop")

ITEMS: dict[int, dict[str, object]] = {
    1: {"id": 1, "name": "kettle", "price": 25.0},
    2: {"id": 2, "name": "teapot", "price": 18.5},
}


class NewItem(BaseModel):
    name: str
    price: float


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items")
async def list_items() -> list[dict[str, object]]:
    return list(ITEMS.values())


@app.get("/items/{item_id}")
async def get_item(item_id: int) -> dict[str, object]:
    if item_id not in ITEMS:
        raise HTTPException(404, f"no item {item_id}")
    return ITEMS[item_id]


@app.post("/items", status_code=201)
async def add_item(item: NewItem) -> dict[str, object]:
    item_id = max(ITEMS, default=0) + 1
    ITEMS[item_id] = {"id": item_id, **item.model_dump()}
    return ITEMS[item_id]


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int) -> None:
    ITEMS.pop(item_id, None)


@app.get("/users/{user_id}")
@perf.cached("users", key="user:{user_id}")  # 10 minutes: the "users" TTL above
async def get_user(user_id: int) -> dict[str, object]:
    await asyncio.sleep(0.05)  # the database this cache saves a trip to
    return {"id": user_id, "name": f"user {user_id}"}


@app.get("/search")
@perf.limit("30/minute")  # per client address
async def search(request: Request, q: str = "") -> list[dict[str, object]]:
    return [item for item in ITEMS.values() if q.lower() in str(item["name"])]


@app.get("/me", dependencies=[Depends(perf.depends("5/second", key="header:X-API-Key"))])
async def me(request: Request) -> dict[str, object]:
    return {"api_key_sent": "x-api-key" in request.headers}


perf.install(app)  # measurement + rate limit middleware, /metrics, the lifespan
