"""Assessments: chapters and question sets by instructors, attempts graded automatically,
and results of tests taken elsewhere."""
