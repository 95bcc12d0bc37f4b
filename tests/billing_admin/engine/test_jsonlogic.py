from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billing_admin.engine.jsonlogic import (
    MAX_DEPTH,
    MAX_NODES,
    JsonLogicError,
    compile_rule,
    compile_text,
    event_data,
    parse,
    to_decimal,
    truthy,
)

TOGAI_MATCHER = '{"in":[{"var":"dimension.city"},["chennai","mumbai"]]}'
TOGAI_COMPUTATION = '{"*":[{"var":"attribute.distance"},0.4]}'


def ride(city: str = "chennai", distance: str = "50") -> dict:
    return event_data({"distance": Decimal(distance)}, {"city": city})


def run(rule: object, data: object = None) -> object:
    return compile_rule(rule)({} if data is None else data)


def nest(levels: int) -> object:
    rule: object = 1
    for _ in range(levels):
        rule = {"+": [rule]}
    return rule


def test_togai_example_matcher_matches_the_listed_cities_only():
    matcher = compile_text(TOGAI_MATCHER)
    assert matcher(ride("chennai")) is True
    assert matcher(ride("mumbai")) is True
    assert matcher(ride("delhi")) is False


def test_togai_example_computation_is_exact_decimal_arithmetic():
    result = compile_text(TOGAI_COMPUTATION)(ride(distance="50"))
    assert type(result) is Decimal
    assert result == Decimal("20.0")
    assert str(result) == "20.0"
    assert compile_text(TOGAI_COMPUTATION)(ride(distance="0.1")) == Decimal("0.04")


def test_float_literals_in_a_python_built_rule_become_exact_decimals():
    assert run({"*": [{"var": "attribute.distance"}, 0.4]}, ride(distance="50")) == Decimal("20.0")
    assert run({"+": [0.1, 0.2]}) == Decimal("0.3")


def test_plural_aliases_see_the_same_attributes_and_dimensions():
    data = ride("mumbai", "12.5")
    assert compile_text('{"var":"attributes.distance"}')(data) == Decimal("12.5")
    assert compile_text('{"var":"dimensions.city"}')(data) == "mumbai"
    assert compile_text('{"==":[{"var":"dimensions.city"},{"var":"dimension.city"}]}')(data) is True


def test_event_data_copies_the_inputs_into_singular_and_plural_namespaces():
    attributes, dimensions = {"n": Decimal("1")}, {"region": "eu"}
    data = event_data(attributes, dimensions)
    assert data == {
        "attribute": {"n": Decimal("1")},
        "attributes": {"n": Decimal("1")},
        "dimension": {"region": "eu"},
        "dimensions": {"region": "eu"},
    }
    attributes["n"] = Decimal("2")
    assert data["attribute"]["n"] == Decimal("1")


def test_a_missing_var_is_none_and_a_matcher_over_it_is_false():
    data = ride()
    assert run({"var": "attribute.weight"}, data) is None
    assert run({"var": "nothing.at.all"}, data) is None
    assert truthy(run({"in": [{"var": "dimension.state"}, ["tn", "mh"]]}, data)) is False
    assert run({"==": [{"var": "dimension.state"}, "tn"]}, data) is False
    assert run({">": [{"var": "attribute.weight"}, 0]}, data) is False
    assert run({"<": [{"var": "attribute.weight"}, 5]}, data) is False


def test_var_takes_a_default_a_whole_data_path_and_list_indexes():
    assert run({"var": ["attribute.weight", 7]}, ride()) == Decimal(7)
    assert run({"var": ["attribute.distance", 7]}, ride()) == Decimal(50)
    assert run({"var": ""}, {"a": 1}) == {"a": 1}
    assert run({"var": []}, {"a": 1}) == {"a": 1}
    assert run({"var": "items.1"}, {"items": ["x", "y"]}) == "y"
    assert run({"var": "items.2"}, {"items": ["x", "y"]}) is None
    assert run({"var": 1}, ["x", "y"]) == "y"
    assert run({"var": {"cat": ["dimension.", "city"]}}, ride("pune")) == "pune"


def test_no_python_attributes_or_builtins_are_reachable_through_var():
    data = ride()
    for path in ["__class__", "__builtins__", "attribute.__class__", "attribute.keys",
                 "dimension.city.__class__", "dimension.city.upper", "attribute.distance.real",
                 "__import__", "attribute.__dict__"]:  # fmt: skip
        assert run({"var": path}, data) is None, path
    assert run({"var": "__class__"}, "a string") is None
    assert run({"var": "0.__class__"}, [1]) is None


def test_unknown_operator_is_rejected_at_compile_time_even_in_an_untaken_branch():
    with pytest.raises(JsonLogicError, match="unknown operator 'foo'"):
        compile_text('{"if":[true, 1, {"foo":[1]}]}')
    with pytest.raises(JsonLogicError, match="unknown operator '__import__'"):
        compile_rule({"__import__": ["os"]})


def test_an_object_with_several_keys_is_not_a_valid_operation():
    with pytest.raises(JsonLogicError, match="exactly one operator"):
        compile_rule({"var": "a", "cat": "b"})
    with pytest.raises(JsonLogicError, match="exactly one operator"):
        compile_rule({})


def test_wrong_argument_counts_are_rejected_at_compile_time():
    with pytest.raises(JsonLogicError, match="'/' takes 2 arguments, got 3"):
        compile_rule({"/": [1, 2, 3]})
    with pytest.raises(JsonLogicError, match="'substr' takes 2 to 3 arguments, got 1"):
        compile_rule({"substr": ["abc"]})
    with pytest.raises(JsonLogicError, match="'and' takes 1 or more arguments, got 0"):
        compile_rule({"and": []})


def test_invalid_json_text_is_reported_as_such():
    with pytest.raises(JsonLogicError, match="rule is not valid JSON"):
        compile_text('{"in":[{"var":"dimension.city"}')
    with pytest.raises(JsonLogicError, match="rule is not valid JSON"):
        parse("NaN")
    with pytest.raises(JsonLogicError, match="rule is not valid JSON"):
        parse("")


def test_parse_reads_every_number_as_decimal():
    assert parse('{"*":[2, 0.4, 1e2]}') == {"*": [Decimal(2), Decimal("0.4"), Decimal("1e2")]}
    assert all(type(n) is Decimal for n in parse("[2, 0.4, 1e2]"))


def test_division_and_modulo_by_zero_raise():
    with pytest.raises(JsonLogicError, match=r"division by zero in '/'"):
        run({"/": [{"var": "attribute.distance"}, 0]}, ride())
    with pytest.raises(JsonLogicError, match=r"division by zero in '%'"):
        run({"%": [5, "0"]})


def test_a_non_numeric_operand_to_arithmetic_names_the_operator():
    with pytest.raises(JsonLogicError, match=r"'\*' needs numbers: not a number: 'chennai'"):
        run({"*": [{"var": "dimension.city"}, 2]}, ride())
    with pytest.raises(JsonLogicError, match=r"'\+' needs numbers"):
        run({"+": [{"var": "attribute.missing"}, 1]}, ride())
    with pytest.raises(JsonLogicError, match=r"'-' needs numbers"):
        run({"-": [True, 1]})


def test_overflow_past_the_decimal_range_is_an_error_not_a_crash():
    with pytest.raises(JsonLogicError, match="arithmetic error"):
        compile_text('{"*":[1e6000, 1e6000]}')({})


def test_nesting_up_to_the_limit_compiles_and_one_level_more_is_rejected():
    assert run(nest(MAX_DEPTH)) == Decimal(1)
    with pytest.raises(JsonLogicError, match="nested deeper than"):
        compile_rule(nest(MAX_DEPTH + 1))
    with pytest.raises(JsonLogicError, match="nested deeper than"):
        compile_text(json.dumps(nest(MAX_DEPTH + 1)))


def test_text_nested_beyond_what_the_json_parser_allows_is_rejected_cleanly():
    with pytest.raises(JsonLogicError, match="nested deeper than"):
        compile_text("[" * 40_000 + "]" * 40_000)
    with pytest.raises(JsonLogicError, match="longer than"):
        compile_text("[" * 60_000 + "]" * 60_000)


def test_rules_with_too_many_parts_are_rejected():
    with pytest.raises(JsonLogicError, match=f"more than {MAX_NODES} parts"):
        compile_rule({"+": list(range(MAX_NODES + 1))})


def test_if_chains_pick_the_first_true_branch_or_the_else_value():
    rule = compile_text(
        '{"if":[{"<":[{"var":"attribute.distance"},10]},"short",'
        '{"<":[{"var":"attribute.distance"},100]},"medium","long"]}'
    )
    assert rule(ride(distance="5")) == "short"
    assert rule(ride(distance="50")) == "medium"
    assert rule(ride(distance="500")) == "long"
    assert run({"if": [False, "yes"]}) is None
    assert run({"if": ["only"]}) == "only"
    assert run({"if": []}) is None
    assert run({"?:": [True, "a", "b"]}) == "a"


def test_if_evaluates_only_the_branch_it_takes():
    assert run({"if": [True, 1, {"/": [1, 0]}]}) == Decimal(1)
    assert run({"or": [1, {"/": [1, 0]}]}) == Decimal(1)
    assert run({"and": [0, {"/": [1, 0]}]}) == Decimal(0)


def test_between_with_three_argument_less_than():
    between = compile_rule({"<": [10, {"var": "attribute.distance"}, 100]})
    assert between(ride(distance="50")) is True
    assert between(ride(distance="10")) is False
    assert between(ride(distance="100")) is False
    inclusive = compile_rule({"<=": [10, {"var": "attribute.distance"}, 100]})
    assert inclusive(ride(distance="10")) is True
    assert inclusive(ride(distance="100")) is True
    assert inclusive(ride(distance="100.01")) is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False), (False, False), (True, True), ("", False), ("0", True), ("a", True),
        (Decimal(0), False), (Decimal("0.00"), False), (Decimal("-0"), False), (Decimal("0.1"), True),
        (0, False), (1, True), (0.0, False), (float("nan"), False), (Decimal("NaN"), False),
        ([], False), ([0], True), ({}, True), ({"a": 1}, True),
    ],
)  # fmt: skip
def test_truthiness_follows_jsonlogic(value, expected):
    assert truthy(value) is expected
    assert run({"!!": [{"var": "v"}]}, {"v": value}) is expected
    assert run({"!": [{"var": "v"}]}, {"v": value}) is (not expected)


def test_and_or_return_the_deciding_value():
    assert run({"or": [0, "", "x", "y"]}) == "x"
    assert run({"or": [0, ""]}) == ""
    assert run({"and": [1, "a", []]}) == []
    assert run({"and": [1, "a"]}) == "a"


def test_loose_equality_compares_numbers_and_numeric_strings_by_value():
    assert run({"==": [1, "1"]}) is True
    assert run({"==": [Decimal("1.0"), "1"]}) is True
    assert run({"==": ["1", "1.0"]}) is False
    assert run({"==": [1, "one"]}) is False
    assert run({"==": [True, 1]}) is False
    assert run({"==": ["", 0]}) is False
    assert run({"==": [None, None]}) is True
    assert run({"!=": [1, "2"]}) is True


def test_strict_equality_compares_numbers_by_value_but_not_with_strings():
    assert run({"===": [1, Decimal("1.00")]}) is True
    assert run({"===": [1, "1"]}) is False
    assert run({"===": [True, True]}) is True
    assert run({"===": [1, True]}) is False
    assert run({"!==": ["a", "a"]}) is False


def test_ordering_compares_strings_as_strings_and_everything_else_as_numbers():
    assert run({"<": ["apple", "banana"]}) is True
    assert run({"<": ["10", "9"]}) is True
    assert run({"<": ["10", 9]}) is False
    assert run({">=": [{"var": "attribute.distance"}, "50"]}, ride()) is True
    assert run({">": ["abc", 1]}) is False


def test_arithmetic_coerces_numeric_strings_to_decimal():
    assert run({"+": ["50", 1]}) == Decimal(51)
    assert run({"+": []}) == Decimal(0)
    assert run({"+": ["3.5"]}) == Decimal("3.5")
    assert run({"-": [10, "4"]}) == Decimal(6)
    assert run({"-": ["4"]}) == Decimal(-4)
    assert run({"*": [2, 3, "0.5"]}) == Decimal(3)
    assert run({"/": [10, 4]}) == Decimal("2.5")
    assert run({"/": [1, 3]}) == Decimal("0." + "3" * 34)  # decimal128 precision
    assert run({"%": [-7, 3]}) == Decimal(-1)
    assert run({"max": [1, "7", 3]}) == Decimal(7)
    assert run({"min": [1, "-7", 3]}) == Decimal(-7)
    assert run({"max": []}) is None


def test_in_checks_list_membership_and_substrings():
    assert run({"in": ["spring", "springfield"]}) is True
    assert run({"in": ["x", "springfield"]}) is False
    assert run({"in": [2, [1, 2, 3]]}) is True
    assert run({"in": ["2", [1, 2, 3]]}) is False
    assert run({"in": [None, "abc"]}) is False
    assert run({"in": ["a", None]}) is False


def test_string_operators_cat_and_substr():
    assert run({"cat": ["I love", " pie"]}) == "I love pie"
    assert run({"cat": ["total: ", {"*": [{"var": "attribute.distance"}, 0.4]}]}, ride()) == "total: 20"
    assert run({"cat": ["a", None, True]}) == "atrue"
    assert run({"substr": ["jsonlogic", 4]}) == "logic"
    assert run({"substr": ["jsonlogic", -5]}) == "logic"
    assert run({"substr": ["jsonlogic", 1, 3]}) == "son"
    assert run({"substr": ["jsonlogic", 4, -2]}) == "log"


def test_merge_flattens_one_level():
    assert run({"merge": [[1, 2], 3, [[4]]]}) == [Decimal(1), Decimal(2), Decimal(3), [Decimal(4)]]
    assert run({"merge": []}) == []


def test_missing_and_missing_some_report_absent_or_empty_fields():
    data = {"a": 1, "b": "", "c": None}
    assert run({"missing": ["a", "b", "c", "d"]}, data) == ["b", "c", "d"]
    assert run({"missing": [["a", "d"]]}, data) == ["d"]
    assert run({"missing_some": [1, ["a", "d"]]}, data) == []
    assert run({"missing_some": [2, ["a", "d"]]}, data) == ["d"]


def test_literal_rules_compile_to_constants():
    assert compile_text("1")({}) == Decimal(1)
    assert compile_text('"1"')({}) == "1"
    assert compile_rule(1)({}) == Decimal(1)
    assert compile_rule(None)({}) is None
    assert compile_rule([1, {"var": "a"}])({"a": "x"}) == [Decimal(1), "x"]


def test_compile_text_reuses_the_compiled_rule():
    assert compile_text(TOGAI_MATCHER) is compile_text(TOGAI_MATCHER)


def test_to_decimal_accepts_numbers_and_numeric_strings_only():
    assert to_decimal(Decimal("1.50")) == Decimal("1.50")
    assert to_decimal(3) == Decimal(3)
    assert str(to_decimal(0.4)) == "0.4"
    assert to_decimal(" 12.5 ") == Decimal("12.5")
    assert to_decimal("-1e3") == Decimal("-1000")
    for bad in [True, False, None, "", "abc", "NaN", "Infinity", "1_000", "0x10", "\u0663", [], float("inf")]:
        with pytest.raises(JsonLogicError, match="not a number"):
            to_decimal(bad)
