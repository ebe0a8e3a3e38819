"""Careers: the competency catalogue (SKJ) now; positions, records, appraisals and HR analytics later.

The catalogue sits below courses (a course awards competencies), so nothing in this package's
catalogue modules may import from courses.
"""
