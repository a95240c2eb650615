"""A job's metric curve, downsampled for a chart: points, and a pandas frame on request."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from ._codec import plain

if TYPE_CHECKING:
    import pandas

    from ._types import MetricsPoint


@dataclass(frozen=True)
class Metrics(Sequence["MetricsPoint"]):
    """The metrics points of one job, oldest step first (at most ``max_points`` of them)."""

    points: tuple[MetricsPoint, ...]

    @overload
    def __getitem__(self, index: int) -> MetricsPoint: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[MetricsPoint]: ...

    def __getitem__(self, index: int | slice) -> MetricsPoint | Sequence[MetricsPoint]:
        return self.points[index]

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[MetricsPoint]:
        return iter(self.points)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict a point: step, epoch, every metric (None where not measured), time."""
        records = []
        for point in self.points:
            record = point.to_dict()
            for key, value in list(record.items()):
                if isinstance(value, dict):
                    del record[key]
                    record.update(value)
            record["recorded_at"] = point.recorded_at
            records.append({k: plain(v) if k != "recorded_at" else v for k, v in record.items()})
        return records

    def to_pandas(self) -> pandas.DataFrame:
        """The points as a ``pandas.DataFrame`` indexed by step.

        Raises:
            ImportError: pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas
        except ImportError as error:
            raise ImportError("Metrics.to_pandas() needs pandas: pip install pandas") from error
        frame: pandas.DataFrame = pandas.DataFrame.from_records(self.to_records())
        if "step" in frame.columns:
            frame = frame.set_index("step")
        return frame
