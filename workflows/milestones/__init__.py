"""倒排时间表: milestones a lead unit plans on its measure, as a declared record workflow through the engine."""
