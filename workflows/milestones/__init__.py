"""倒排时间表: milestones a lead unit plans on its measure, as a declared record workflow through the engine."""

from workflows.milestones.service import missed_measure_ids

__all__ = ["missed_measure_ids"]
