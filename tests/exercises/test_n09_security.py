"""lesson_utils.exercises.n09_security: each check accepts a right answer and explains a wrong one."""

from lesson_utils import exercises


def test_security_exercise_checks(capsys):
    import ast

    def whitelist(expression):
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError:
            return False
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div,
                   ast.USub, ast.UAdd)
        return all(isinstance(n, allowed)
                   and (not isinstance(n, ast.Constant) or type(n.value) in (int, float))
                   for n in ast.walk(tree))

    assert exercises.check_is_arithmetic(whitelist) is True
    assert exercises.check_is_arithmetic(lambda e: "__" not in e) is False        # a blacklist lets names in
    assert "x is a name" in capsys.readouterr().out
    assert exercises.check_is_arithmetic(lambda e: None) is False
    assert "returned None" in capsys.readouterr().out
    assert exercises.check_is_arithmetic(...) is False

    def letters_both_ways(reply):
        letters = "".join(c for c in reply.lower() if c.isalpha())
        return "tangerine" in letters or "tangerine"[::-1] in letters

    assert exercises.check_reveals(letters_both_ways) is True
    assert exercises.check_reveals(lambda r: "tangerine" in r.lower()) is False   # misses spaced letters
    assert "c.isalpha()" in capsys.readouterr().out

    def fence(t):
        return "<<<SOURCE\n" + t.replace("<<<", "").replace(">>>", "") + "\nSOURCE>>>"

    assert exercises.check_wrap(fence) is True
    assert exercises.check_wrap(lambda t: f"<<<SOURCE\n{t}\nSOURCE>>>") is False
    assert "remove every <<< and >>>" in capsys.readouterr().out
    assert exercises.check_wrap(lambda t: fence(t).upper()) is False
    assert "went missing" in capsys.readouterr().out
    assert exercises.check_wrap(lambda t: None) is False
