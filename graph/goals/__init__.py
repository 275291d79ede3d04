"""Goals, milestones and tasks."""
