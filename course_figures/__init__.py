"""Figures for the course pages, apart from the maths in ``softmax_lib``.

``slider_figure`` turns a function that draws one matplotlib frame for a parameter value
into a figure the reader moves with a slider, on the static site and offline: every frame
is rendered when the chapter runs and embedded in the page; a native range input and a few
lines of inline JavaScript switch between them.
"""

from course_figures.slider import MAX_FIGURE_BYTES, Frame, SliderFigure, slider_figure

__all__ = ["MAX_FIGURE_BYTES", "Frame", "SliderFigure", "slider_figure"]
