"""Turning successful responses into results: models, existence checks and pages.

An answer that does not have the documented shape (a list or null where an object belongs, a
page without its items, fields of the wrong type, a body over the size limit) raises
UnexpectedResponseError, never the AttributeError or KeyError of the code that read it.

Paged operations return an ItemPaged (AsyncItemPaged for the async clients): iterate it for the
items of every page, or call ``by_page()`` for the pages themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from realtime_rest._runtime.errors import UnexpectedResponseError, WireFormatError
from realtime_rest._runtime.options import CallOptions, Unpack
from realtime_rest._runtime.request import Request
from realtime_rest._runtime.transport import Response

if TYPE_CHECKING:
    from realtime_rest._runtime.pipeline import AsyncPipeline, Pipeline, _PipelineBase

T = TypeVar("T")
PageReader = Callable[[Any], tuple[Sequence[T], "str | None"]]
# What reading a model of the wrong shape raises (WireFormatError is a ValueError).
_SHAPE_ERRORS = (TypeError, KeyError, ValueError, AttributeError, IndexError)


def exists(response: Response) -> bool:
    """Existence checks answer 2xx for 'yes' and 404 for 'no'."""
    return response.status != 404


def unexpected(response: Response, problem: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        response.status,
        f"unexpected answer from the service: {problem}",
        request_id=response.request_id,
        body=response.content,
        method=response.method,
        url=response.url,
    )


def read_json(response: Response) -> Any:
    if response.truncated:
        raise unexpected(response, "the body is larger than the client's max_response_bytes")
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise unexpected(response, "the body is not valid JSON") from None


def read_model(response: Response, from_wire: Callable[[Any], T]) -> T:
    data = read_json(response)
    if not isinstance(data, dict):
        raise unexpected(response, f"expected a JSON object, got {_json_type(data)}")
    try:
        return from_wire(data)
    except _SHAPE_ERRORS as error:
        raise unexpected(
            response, f"the body does not have the documented shape{_which(error)}"
        ) from None


def read_optional_model(response: Response, from_wire: Callable[[Any], T]) -> T | None:
    return read_model(response, from_wire) if response.content else None


def _which(error: Exception) -> str:
    """What the models found wrong: their messages name fields, never values."""
    return f": {error}" if isinstance(error, WireFormatError) else ""


def _json_type(data: Any) -> str:
    if data is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(data), "a number")


class _Pages:
    """The bookkeeping of one paged call: which links were followed, how many pages were read."""

    def __init__(self, pipeline: _PipelineBase) -> None:
        self._pipeline = pipeline
        self._seen: set[str] = set()
        self._pages = 1

    def read(self, response: Response, read_page: PageReader[T]) -> tuple[Sequence[T], str | None]:
        data = read_json(response)
        if not isinstance(data, dict):
            raise unexpected(response, f"a page must be a JSON object, got {_json_type(data)}")
        try:
            items, next_link = read_page(data)
        except _SHAPE_ERRORS as error:
            raise unexpected(
                response, f"the page does not have the documented shape{_which(error)}"
            ) from None
        if next_link is not None and not isinstance(next_link, str):
            raise unexpected(response, "the page's next link is not a string")
        return items, next_link or None

    def next_target(self, response: Response, link: str) -> tuple[str, str]:
        """Where the next page is; the link itself is not shown (it may carry a token)."""
        if link in self._seen:
            raise unexpected(response, "the service repeated a next link; paging stopped")
        if self._pages >= self._pipeline.max_pages:
            raise unexpected(
                response,
                f"paging stopped after {self._pages} pages, the client's max_pages",
            )
        self._seen.add(link)
        self._pages += 1
        try:
            return self._pipeline.next_page_target(link)
        except ValueError as problem:
            raise unexpected(response, f"the next link {problem}; not followed") from None


class ItemPaged(Iterator[T]):
    """The items of a paged operation, read page by page as they are iterated.

    Nothing is sent until the first item or page is asked for. ``by_page()`` starts the call over
    and gives each page as a list, for callers that work a page at a time.
    """

    def __init__(self, pages: Callable[[], Iterator[list[T]]]) -> None:
        self._pages = pages
        self._items: Iterator[T] | None = None

    def __next__(self) -> T:
        if self._items is None:
            self._items = (item for page in self._pages() for item in page)
        return next(self._items)

    def by_page(self) -> Iterator[list[T]]:
        """Every page's items, page by page, from a new call of the operation."""
        return self._pages()


class AsyncItemPaged(AsyncIterator[T]):
    """The items of a paged operation of an async client; see ItemPaged."""

    def __init__(self, pages: Callable[[], AsyncIterator[list[T]]]) -> None:
        self._pages = pages
        self._items: AsyncIterator[T] | None = None

    async def __anext__(self) -> T:
        if self._items is None:
            self._items = self._each_item()
        return await self._items.__anext__()

    async def _each_item(self) -> AsyncIterator[T]:
        async for page in self._pages():
            for item in page:
                yield item

    def by_page(self) -> AsyncIterator[list[T]]:
        """Every page's items, page by page, from a new call of the operation."""
        return self._pages()


def iterate_pages(
    pipeline: Pipeline,
    request: Request,
    read_page: PageReader[T],
    **options: Unpack[CallOptions],
) -> ItemPaged[T]:
    """Every item of every page, following next links while they are safe to follow."""
    return ItemPaged(lambda: _pages(pipeline, request, read_page, options))


def iterate_pages_async(
    pipeline: AsyncPipeline,
    request: Request,
    read_page: PageReader[T],
    **options: Unpack[CallOptions],
) -> AsyncItemPaged[T]:
    return AsyncItemPaged(lambda: _pages_async(pipeline, request, read_page, options))


def _pages(
    pipeline: Pipeline, request: Request, read_page: PageReader[T], options: CallOptions
) -> Iterator[list[T]]:
    pages = _Pages(pipeline)
    response = pipeline.send(request, **options)
    while True:
        items, next_link = pages.read(response, read_page)
        yield list(items)
        if next_link is None:
            return
        target = pages.next_target(response, next_link)
        response = pipeline.send(request, target=target, **options)


async def _pages_async(
    pipeline: AsyncPipeline, request: Request, read_page: PageReader[T], options: CallOptions
) -> AsyncIterator[list[T]]:
    pages = _Pages(pipeline)
    response = await pipeline.send(request, **options)
    while True:
        items, next_link = pages.read(response, read_page)
        yield list(items)
        if next_link is None:
            return
        target = pages.next_target(response, next_link)
        response = await pipeline.send(request, target=target, **options)
