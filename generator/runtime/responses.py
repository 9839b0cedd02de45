"""Turning successful responses into results: models, existence checks and pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from realtime_rest._runtime.errors import ApiError
from realtime_rest._runtime.request import Request

if TYPE_CHECKING:
    from realtime_rest._runtime.pipeline import AsyncPipeline, Pipeline

T = TypeVar("T")
PageReader = Callable[[Any], tuple[Sequence[T], "str | None"]]


def exists(response: httpx.Response) -> bool:
    """Existence checks answer 2xx for 'yes' and 404 for 'no'."""
    return response.status_code != 404


def read_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(
            response.status_code, "the service answered with a body that is not valid JSON"
        ) from None


def read_model(response: httpx.Response, from_wire: Callable[[Any], T]) -> T:
    return from_wire(read_json(response))


def read_optional_model(response: httpx.Response, from_wire: Callable[[Any], T]) -> T | None:
    return from_wire(read_json(response)) if response.content else None


def iterate_pages(pipeline: Pipeline, request: Request, read_page: PageReader[T]) -> Iterator[T]:
    """Every item of every page, following the next link until the service gives none."""
    response = pipeline.send(request)
    while True:
        items, next_link = read_page(read_json(response))
        yield from items
        if not next_link:
            return
        response = pipeline.send(request, url=pipeline.next_page_url(next_link))


async def iterate_pages_async(
    pipeline: AsyncPipeline, request: Request, read_page: PageReader[T]
) -> AsyncIterator[T]:
    response = await pipeline.send(request)
    while True:
        items, next_link = read_page(read_json(response))
        for item in items:
            yield item
        if not next_link:
            return
        response = await pipeline.send(request, url=pipeline.next_page_url(next_link))
