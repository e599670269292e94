"""区领导批示: a leader's instruction on a measure, answered by the lead units with their 落实情况."""
