"""My study plan: slots by day and week, the planner job, changes, live updates."""
