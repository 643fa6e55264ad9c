"""Turtle graphics without a screen (mounted over the standard library's turtle.py in runs).

Learners' programs `import turtle` and draw as they would on a computer with a window; here the
drawing is recorded instead and sent to the host on a channel of its own (the pipe whose number
is in CODERUNNER_DRAWING_FD, never stdout), where the page animates it and grading compares it.
Without that variable (a test batch, a program run elsewhere) the drawing goes nowhere and the
program still runs.

The channel carries one JSON array per line (coordinates rounded to 0.01, colours as #rrggbb):
  ["L", x1, y1, x2, y2, width, colour]           a line the pen drew
  ["F", [[x, y], ...], colour]                    a filled shape (before the lines around it)
  ["D", x, y, size, colour]                       a dot
  ["W", x, y, text, colour, align, size]          text written on the screen
  ["B", colour]  ["P", width, height]  ["N", title]   the screen's colour, size and title
  ["T", x, y, heading, shape, visible, colour]    where each turtle ended
A drawing has at most LIMIT steps (a line, a dot, a text or a corner of a fill is one step):
past it every drawing call raises TurtleGraphicsError with a message a child can act on.

Written for this project (not CPython's turtle.py); runs on the learners' interpreter, so it
uses only the standard library.
"""

# ruff: noqa: F822 (the functions in __all__ are made at the end, one per turtle method)
from __future__ import annotations

import atexit
import json
import math
import os
from collections.abc import Callable
from typing import Any

__all__ = [
    "Pen",
    "RawTurtle",
    "Screen",
    "Terminator",
    "Turtle",
    "TurtleGraphicsError",
    "Vec2D",
    "back",
    "backward",
    "begin_fill",
    "bgcolor",
    "bk",
    "bye",
    "circle",
    "color",
    "colormode",
    "degrees",
    "delay",
    "distance",
    "done",
    "dot",
    "down",
    "end_fill",
    "exitonclick",
    "fd",
    "fillcolor",
    "filling",
    "forward",
    "getscreen",
    "goto",
    "heading",
    "hideturtle",
    "home",
    "ht",
    "isdown",
    "isvisible",
    "left",
    "listen",
    "lt",
    "mainloop",
    "mode",
    "onclick",
    "onkey",
    "onkeypress",
    "onscreenclick",
    "ontimer",
    "pd",
    "pen",
    "pencolor",
    "pendown",
    "pensize",
    "penup",
    "pos",
    "position",
    "pu",
    "radians",
    "right",
    "rt",
    "screensize",
    "seth",
    "setheading",
    "setpos",
    "setposition",
    "setup",
    "setx",
    "sety",
    "shape",
    "shapesize",
    "showturtle",
    "speed",
    "st",
    "title",
    "towards",
    "tracer",
    "turtles",
    "turtlesize",
    "up",
    "update",
    "width",
    "window_height",
    "window_width",
    "write",
    "xcor",
    "ycor",
]

LIMIT = 100_000
FAR = 1e7  # a turtle further than this from the middle has run away
TEXT_MAX = 500  # characters of one write() that are kept
_FLUSH_BYTES = 32768

# Colour names as Tk (the real turtle's window) knows them; spaces and case are ignored.
_NAMED = {
    "black": "#000000",
    "white": "#ffffff",
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "yellow": "#ffff00",
    "orange": "#ffa500",
    "purple": "#800080",
    "pink": "#ffc0cb",
    "brown": "#a52a2a",
    "gray": "#808080",
    "grey": "#808080",
    "cyan": "#00ffff",
    "magenta": "#ff00ff",
    "gold": "#ffd700",
    "violet": "#ee82ee",
    "indigo": "#4b0082",
    "navy": "#000080",
    "lime": "#00ff00",
    "limegreen": "#32cd32",
    "olive": "#808000",
    "teal": "#008080",
    "silver": "#c0c0c0",
    "maroon": "#800000",
    "aqua": "#00ffff",
    "fuchsia": "#ff00ff",
    "crimson": "#dc143c",
    "salmon": "#fa8072",
    "coral": "#ff7f50",
    "tomato": "#ff6347",
    "turquoise": "#40e0d0",
    "skyblue": "#87ceeb",
    "lightblue": "#add8e6",
    "darkblue": "#00008b",
    "royalblue": "#4169e1",
    "lightgreen": "#90ee90",
    "darkgreen": "#006400",
    "forestgreen": "#228b22",
    "seagreen": "#2e8b57",
    "springgreen": "#00ff7f",
    "yellowgreen": "#9acd32",
    "lightgray": "#d3d3d3",
    "lightgrey": "#d3d3d3",
    "darkgray": "#a9a9a9",
    "darkgrey": "#a9a9a9",
    "darkred": "#8b0000",
    "darkorange": "#ff8c00",
    "orchid": "#da70d6",
    "plum": "#dda0dd",
    "lavender": "#e6e6fa",
    "beige": "#f5f5dc",
    "tan": "#d2b48c",
    "chocolate": "#d2691e",
    "sienna": "#a0522d",
    "khaki": "#f0e68c",
    "hotpink": "#ff69b4",
    "deeppink": "#ff1493",
    "lightpink": "#ffb6c1",
    "lightyellow": "#ffffe0",
    "ivory": "#fffff0",
    "snow": "#fffafa",
    "mintcream": "#f5fffa",
    "wheat": "#f5deb3",
    "peru": "#cd853f",
    "firebrick": "#b22222",
    "steelblue": "#4682b4",
    "dodgerblue": "#1e90ff",
    "deepskyblue": "#00bfff",
    "midnightblue": "#191970",
    "slateblue": "#6a5acd",
    "blueviolet": "#8a2be2",
    "darkviolet": "#9400d3",
    "mediumpurple": "#9370db",
}
_SPEEDS = {"fastest": 0, "fast": 10, "normal": 6, "slow": 3, "slowest": 1}
_SHAPES = ("arrow", "turtle", "circle", "square", "triangle", "classic", "blank")


class TurtleGraphicsError(Exception):
    """A turtle was asked something it cannot do (the message says what to change)."""


class Terminator(Exception):
    """Kept for programs that catch it; never raised here (there is no window to close)."""


class Vec2D(tuple[float, float]):
    """A position: a pair of numbers that adds, subtracts and scales like a vector."""

    def __new__(cls, x: float, y: float) -> Vec2D:
        return tuple.__new__(cls, (x, y))

    def __add__(self, other: Any) -> Vec2D:
        return Vec2D(self[0] + other[0], self[1] + other[1])

    def __sub__(self, other: Any) -> Vec2D:
        return Vec2D(self[0] - other[0], self[1] - other[1])

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, tuple):
            return self[0] * other[0] + self[1] * other[1]
        return Vec2D(self[0] * other, self[1] * other)

    def __rmul__(self, other: Any) -> Vec2D:
        return Vec2D(self[0] * other, self[1] * other)

    def __neg__(self) -> Vec2D:
        return Vec2D(-self[0], -self[1])

    def __abs__(self) -> float:
        return math.hypot(self[0], self[1])

    def __repr__(self) -> str:
        return f"({self[0]:.2f},{self[1]:.2f})"


def _r(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TurtleGraphicsError(f"{what} must be a number, like 100, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise TurtleGraphicsError(f"{what} must be a normal number, not {value!r}")
    return number


class _Channel:
    """Where the drawing goes: buffered lines, at most LIMIT steps, flushed at exit."""

    def __init__(self) -> None:
        fd = os.environ.get("CODERUNNER_DRAWING_FD", "")
        self.fd: int | None = int(fd) if fd.isdigit() else None
        self.lines: list[str] = []
        self.size = 0
        self.steps = 0
        self.turtles: list[RawTurtle] = []

    def count(self, steps: int) -> None:
        if self.steps + steps > LIMIT:
            raise TurtleGraphicsError(
                f"Your turtle has drawn {LIMIT:,} lines, dots and words, the most a drawing "
                "can have. Does a loop go round forever? Make it stop sooner, or draw less."
            )
        self.steps += steps

    def send(self, item: list[Any]) -> None:
        line = json.dumps(item, separators=(",", ":"), allow_nan=False) + "\n"
        self.lines.append(line)
        self.size += len(line)
        if self.size >= _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        data = "".join(self.lines).encode()
        self.lines.clear()
        self.size = 0
        if self.fd is None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError:
            self.fd = None  # the program closed the channel: its drawing is lost

    def finish(self) -> None:
        for turtle in self.turtles:
            if turtle._fill is not None:  # a fill never ended: draw its lines at least
                turtle._release_fill(None)
            x, y = turtle._pos
            heading = _r(turtle._heading % 360.0)
            shown, colour = turtle._visible, turtle._pen_hex
            self.send(["T", _r(x), _r(y), heading, turtle._shape, shown, colour])
        self.flush()


_channel = _Channel()
atexit.register(_channel.finish)


def _parse_colour(args: tuple[Any, ...], mode: float) -> tuple[Any, str]:
    """(the colour as given, #rrggbb) from a name, a #code or red/green/blue numbers."""
    if len(args) == 1:
        spec = args[0]
    elif len(args) == 3:
        spec = tuple(args)
    else:
        raise TurtleGraphicsError(f"a colour is a name like 'red' or three numbers, not {args!r}")
    if isinstance(spec, str):
        key = spec.replace(" ", "").lower()
        if key in _NAMED:
            return spec, _NAMED[key]
        digits = key[1:]
        if key.startswith("#") and len(digits) in (3, 6) and _is_hex(digits):
            if len(digits) == 3:
                digits = "".join(c * 2 for c in digits)
            return spec, "#" + digits
        raise TurtleGraphicsError(
            f"turtle does not know the colour {spec!r}. "
            "Try a name like 'red' or 'blue', or a code like '#ff8800'."
        )
    if isinstance(spec, tuple | list) and len(spec) == 3:
        parts = [_number(v, "a colour number") for v in spec]
        if not all(0 <= v <= mode for v in parts):
            top = "255" if mode == 255 else "1.0"
            raise TurtleGraphicsError(f"colour numbers go from 0 to {top}, not {tuple(spec)!r}")
        scaled = [round(v * 255 / mode) for v in parts]
        return tuple(spec), "#{:02x}{:02x}{:02x}".format(*scaled)
    raise TurtleGraphicsError(f"a colour is a name like 'red' or three numbers, not {spec!r}")


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


class _Screen:
    """The one screen every turtle draws on."""

    def __init__(self) -> None:
        self._bg: Any = "white"
        self._colormode: float = 1.0
        self._size = (640, 480)

    def bgcolor(self, *args: Any) -> Any:
        if not args:
            return self._bg
        self._bg, hex_colour = _parse_colour(args, self._colormode)
        _channel.send(["B", hex_colour])
        return None

    def title(self, text: object = "") -> None:
        _channel.send(["N", str(text)[:100]])

    def setup(
        self,
        width: float = 640,
        height: float = 480,
        startx: object = None,
        starty: object = None,
    ) -> None:
        w = _number(width, "the width")
        h = _number(height, "the height")
        # fractions of a monitor (0.5) are taken of a 1280 x 960 one
        w = w * 1280 if 0 < w <= 1 else w
        h = h * 960 if 0 < h <= 1 else h
        if not (10 <= w <= 5000 and 10 <= h <= 5000):
            raise TurtleGraphicsError("the screen is from 10 to 5000 steps wide and high")
        self._size = (int(w), int(h))
        _channel.send(["P", int(w), int(h)])

    def screensize(
        self, canvwidth: float | None = None, canvheight: float | None = None, bg: Any = None
    ) -> tuple[int, int] | None:
        if canvwidth is None and canvheight is None and bg is None:
            return self._size
        if canvwidth is not None and canvheight is not None:
            self.setup(canvwidth, canvheight)
        if bg is not None:
            self.bgcolor(bg)
        return None

    def colormode(self, cmode: float | None = None) -> float | None:
        if cmode is None:
            return self._colormode
        if cmode not in (1, 1.0, 255):
            raise TurtleGraphicsError("colormode is 1.0 or 255")
        self._colormode = 255 if cmode == 255 else 1.0
        return None

    def window_width(self) -> int:
        return self._size[0]

    def window_height(self) -> int:
        return self._size[1]

    def turtles(self) -> list[RawTurtle]:
        return list(_channel.turtles)

    def mode(self, mode: str | None = None) -> str | None:
        if mode is None:
            return "standard"
        if mode not in ("standard", "world"):
            raise TurtleGraphicsError("only mode('standard') works here")
        return None

    def tracer(self, n: object = None, delay: object = None) -> int | None:
        return 1 if n is None else None

    def delay(self, delay: object = None) -> int | None:
        return 10 if delay is None else None

    def update(self) -> None:
        return None

    def mainloop(self) -> None:
        _channel.flush()

    done = mainloop
    exitonclick = mainloop
    bye = mainloop

    def listen(self, xdummy: object = None, ydummy: object = None) -> None:
        return None

    def onkey(self, fun: object, key: object = None) -> None:
        return None

    onkeypress = onkey
    onkeyrelease = onkey

    def onclick(self, fun: object, btn: int = 1, add: object = None) -> None:
        return None

    onscreenclick = onclick

    def ontimer(self, fun: object, t: int = 0) -> None:
        return None

    def getcanvas(self) -> None:
        raise TurtleGraphicsError("there is no window here, so no canvas: draw with a turtle")


_screen: _Screen | None = None


def Screen() -> _Screen:
    global _screen
    if _screen is None:
        _screen = _Screen()
    return _screen


class RawTurtle:
    """A turtle: a pen that moves, turns and draws on the screen."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.screen = Screen()
        self._pos: tuple[float, float] = (0.0, 0.0)
        self._heading = 0.0  # degrees, 0 = east, counter-clockwise
        self._full = 360.0  # what a whole turn is in the program's unit (degrees())
        self._down = True
        self._width = 1.0
        self._pen: Any = "black"
        self._pen_hex = "#000000"
        self._fillc: Any = "black"
        self._fill_hex = "#000000"
        self._visible = True
        self._shape = "classic"
        self._speed = 3
        self._fill: list[tuple[float, float]] | None = None
        self._held: list[list[Any]] = []
        _channel.turtles.append(self)

    # drawing ----------------------------------------------------------------------------------

    def _emit(self, item: list[Any], steps: int = 1) -> None:
        _channel.count(steps)
        if self._fill is not None:
            self._held.append(item)
        else:
            _channel.send(item)

    def _move(self, x: float, y: float) -> None:
        if not (abs(x) <= FAR and abs(y) <= FAR):
            raise TurtleGraphicsError(
                "your turtle ran too far away (more than 10 million steps from the middle)"
            )
        x0, y0 = self._pos
        if self._down and (x, y) != (x0, y0):
            self._emit(
                ["L", _r(x0), _r(y0), _r(x), _r(y), _r(self._width), self._pen_hex]
            )  # fmt: skip
        if self._fill is not None:
            _channel.count(1)
            self._fill.append((x, y))
        self._pos = (x, y)

    def _angle(self, value: object, what: str = "the angle") -> float:
        """An angle in the program's unit, as degrees."""
        return _number(value, what) * 360.0 / self._full

    # moving -----------------------------------------------------------------------------------

    def forward(self, distance: float) -> None:
        step = _number(distance, "how far to go")
        rad = math.radians(self._heading)
        x, y = self._pos
        self._move(x + step * math.cos(rad), y + step * math.sin(rad))

    fd = forward

    def back(self, distance: float) -> None:
        self.forward(-_number(distance, "how far to go back"))

    bk = backward = back

    def left(self, angle: float) -> None:
        self._heading = (self._heading + self._angle(angle)) % 360.0

    lt = left

    def right(self, angle: float) -> None:
        self._heading = (self._heading - self._angle(angle)) % 360.0

    rt = right

    def goto(self, x: Any, y: Any = None) -> None:
        if y is None:
            try:
                x, y = x
            except (TypeError, ValueError):
                raise TurtleGraphicsError("goto needs x and y, like goto(100, 50)") from None
        self._move(_number(x, "x"), _number(y, "y"))

    setpos = setposition = goto

    def setx(self, x: float) -> None:
        self._move(_number(x, "x"), self._pos[1])

    def sety(self, y: float) -> None:
        self._move(self._pos[0], _number(y, "y"))

    def setheading(self, to_angle: float) -> None:
        self._heading = self._angle(to_angle) % 360.0

    seth = setheading

    def home(self) -> None:
        self._move(0.0, 0.0)
        self._heading = 0.0

    def circle(self, radius: float, extent: float | None = None, steps: int | None = None) -> None:
        """A circle (or an arc of `extent`) with its middle `radius` to the turtle's left."""
        r = _number(radius, "the radius")
        turn = 360.0 if extent is None else self._angle(extent, "the extent")
        if steps is None:
            count = max(1, round((12 + min(abs(r), 240.0) / 5) * abs(turn) / 360.0))
        else:
            count = int(_number(steps, "the number of steps"))
            if count < 1:
                raise TurtleGraphicsError("a circle needs at least 1 step")
        x0, y0 = self._pos
        h = math.radians(self._heading)
        cx, cy = x0 - r * math.sin(h), y0 + r * math.cos(h)
        sign = 1.0 if r >= 0 else -1.0
        for k in range(1, count + 1):
            t = h + math.radians(sign * turn * k / count)
            self._move(cx + r * math.sin(t), cy - r * math.cos(t))
        self._heading = (self._heading + sign * turn) % 360.0

    # the pen ----------------------------------------------------------------------------------

    def penup(self) -> None:
        self._down = False

    pu = up = penup

    def pendown(self) -> None:
        self._down = True

    pd = down = pendown

    def isdown(self) -> bool:
        return self._down

    def pensize(self, width: float | None = None) -> float | None:
        if width is None:
            return self._width
        w = _number(width, "the pen size")
        if not 0 <= w <= 1000:
            raise TurtleGraphicsError("the pen size goes from 0 to 1000")
        self._width = w
        return None

    width = pensize

    def pencolor(self, *args: Any) -> Any:
        if not args:
            return self._pen
        self._pen, self._pen_hex = _parse_colour(args, self.screen._colormode)
        return None

    def fillcolor(self, *args: Any) -> Any:
        if not args:
            return self._fillc
        self._fillc, self._fill_hex = _parse_colour(args, self.screen._colormode)
        return None

    def color(self, *args: Any) -> Any:
        if not args:
            return self._pen, self._fillc
        if len(args) == 2:
            self.pencolor(args[0])
            self.fillcolor(args[1])
        else:
            self.pencolor(*args)
            self._fillc, self._fill_hex = self._pen, self._pen_hex
        return None

    def pen(self, pen: dict[str, Any] | None = None, **settings: Any) -> dict[str, Any] | None:
        if pen is None and not settings:
            return {
                "pendown": self._down,
                "pencolor": self._pen,
                "fillcolor": self._fillc,
                "pensize": self._width,
                "shown": self._visible,
                "speed": self._speed,
            }
        for key, value in {**(pen or {}), **settings}.items():
            setters: dict[str, Callable[[Any], Any]] = {
                "pendown": lambda v: self.pendown() if v else self.penup(),
                "pencolor": self.pencolor,
                "fillcolor": self.fillcolor,
                "pensize": self.pensize,
                "shown": lambda v: self.showturtle() if v else self.hideturtle(),
                "speed": self.speed,
            }
            setter = setters.get(key)
            if setter is not None:
                setter(value)
        return None

    def begin_fill(self) -> None:
        if self._fill is not None:
            self._release_fill(None)
        self._fill = [self._pos]

    def end_fill(self) -> None:
        if self._fill is not None:
            self._release_fill(self._fill_hex)

    def _release_fill(self, colour: str | None) -> None:
        points, held = self._fill or [], self._held
        self._fill, self._held = None, []
        if colour is not None and len(points) > 2:
            _channel.send(["F", [[_r(x), _r(y)] for x, y in points], colour])
        for item in held:
            _channel.send(item)

    def filling(self) -> bool:
        return self._fill is not None

    def dot(self, size: float | None = None, *colour: Any) -> None:
        if size is not None and not isinstance(size, int | float):
            colour, size = (size, *colour), None
        diameter = (
            max(self._width + 4, self._width * 2) if size is None else _number(size, "the dot size")
        )
        if not 0 <= diameter <= 10000:
            raise TurtleGraphicsError("a dot is from 0 to 10000 steps wide")
        hex_colour = _parse_colour(colour, self.screen._colormode)[1] if colour else self._pen_hex
        x, y = self._pos
        self._emit(["D", _r(x), _r(y), _r(diameter), hex_colour])

    def write(
        self, arg: object, move: bool = False, align: str = "left", font: Any = ("Arial", 8)
    ) -> None:
        text = str(arg)[:TEXT_MAX]
        if align not in ("left", "center", "right"):
            raise TurtleGraphicsError("align is 'left', 'center' or 'right'")
        size = 8.0
        if isinstance(font, tuple | list) and len(font) > 1:
            size = min(max(_number(font[1], "the font size"), 1.0), 200.0)
        x, y = self._pos
        self._emit(["W", _r(x), _r(y), text, self._pen_hex, align, size])
        if move:
            self._move(x + len(text) * size * 0.6, y)

    # the turtle itself ------------------------------------------------------------------------

    def hideturtle(self) -> None:
        self._visible = False

    ht = hideturtle

    def showturtle(self) -> None:
        self._visible = True

    st = showturtle

    def isvisible(self) -> bool:
        return self._visible

    def shape(self, name: str | None = None) -> str | None:
        if name is None:
            return self._shape
        if name not in _SHAPES:
            raise TurtleGraphicsError(f"the shapes are {', '.join(_SHAPES)}; not {name!r}")
        self._shape = name
        return None

    def shapesize(self, *args: object, **kwargs: object) -> tuple[float, float, float] | None:
        return (1.0, 1.0, 1.0) if not args and not kwargs else None

    turtlesize = shapesize

    def speed(self, speed: Any = None) -> int | None:
        if speed is None:
            return self._speed
        if isinstance(speed, str):
            if speed not in _SPEEDS:
                raise TurtleGraphicsError(f"speed is a number 0-10 or one of {list(_SPEEDS)}")
            self._speed = _SPEEDS[speed]
        else:
            value = _number(speed, "the speed")
            self._speed = round(value) if 0.5 < value < 10.5 else 0
        return None

    # where is it ------------------------------------------------------------------------------

    def position(self) -> Vec2D:
        return Vec2D(*self._pos)

    pos = position

    def xcor(self) -> float:
        return self._pos[0]

    def ycor(self) -> float:
        return self._pos[1]

    def heading(self) -> float:
        return self._heading * self._full / 360.0

    def distance(self, x: Any, y: Any = None) -> float:
        target = (x, y) if y is not None else tuple(x)
        return math.hypot(self._pos[0] - target[0], self._pos[1] - target[1])

    def towards(self, x: Any, y: Any = None) -> float:
        tx, ty = (x, y) if y is not None else tuple(x)
        angle = math.degrees(math.atan2(ty - self._pos[1], tx - self._pos[0])) % 360.0
        return angle * self._full / 360.0

    def degrees(self, fullcircle: float = 360.0) -> None:
        self._full = _number(fullcircle, "a whole turn")

    def radians(self) -> None:
        self._full = 2 * math.pi

    def getscreen(self) -> _Screen:
        return self.screen

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(f"turtle: {name}() does not work here, sorry; try another way")


Turtle = Pen = RawTurtle
_default: RawTurtle | None = None


def _anonymous() -> RawTurtle:
    global _default
    if _default is None:
        _default = Turtle()
    return _default


def _forward_to_turtle(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_anonymous(), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _forward_to_screen(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(Screen(), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


_SCREEN_NAMES = {
    "bgcolor", "bye", "colormode", "delay", "done", "exitonclick", "listen", "mainloop",
    "mode", "onkey", "onkeypress", "onscreenclick", "ontimer", "screensize", "setup", "title",
    "tracer", "turtles", "update", "window_height", "window_width",
}  # fmt: skip
for _name in __all__:
    if _name in _SCREEN_NAMES:
        globals()[_name] = _forward_to_screen(_name)
    elif _name not in globals():
        globals()[_name] = _forward_to_turtle(_name)
globals()["onclick"] = _forward_to_screen("onclick")


def __getattr__(name: str) -> Any:
    raise AttributeError(f"turtle.{name} does not work here, sorry; try another way")
