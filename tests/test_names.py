"""同名 / 同音 detection: whitespace of any width, traditional = simplified, surname readings,
fuzzy confusable sounds."""
from bianban_xl.model.names import name_pinyin, normalize_name, same_name_groups, same_sound_groups


def test_normalize_spaces_and_traditional():
    assert normalize_name(" 张\u3000伟 ") == normalize_name("张伟") == normalize_name("張偉") == "张伟"
    assert normalize_name("欧阳 娜娜") == "欧阳娜娜"


def test_same_name_groups():
    names = ["张伟", "李娜", "張 偉", "王芳", "张伟", "李 娜"]
    assert sorted(map(sorted, same_name_groups(names))) == [[0, 2, 4], [1, 5]]
    assert same_name_groups(["甲", "乙", ""]) == []
    # a name in parts, the dot typed by different input methods (· ・ ･ ‧ • . ．) or left out
    dotted = ["阿依古丽·买买提", "阿依古丽・买买提", "阿依古丽･买买提", "阿依古丽‧买买提", "阿依古丽•买买提",
              "阿依古丽．买买提", "阿依古丽买买提", "阿依古丽·买合木提"]
    assert same_name_groups(dotted) == [list(range(7))]


def test_surname_readings():
    assert name_pinyin("单明")[0] == "shan"
    assert name_pinyin("曾国藩")[0] == "zeng"
    assert name_pinyin("解缙")[0] == "xie"
    assert name_pinyin("仇英")[0] == "qiu"
    assert name_pinyin("区伟")[0] == "ou"
    assert name_pinyin("尉迟恭")[:2] == ("yu", "chi")


def test_same_sound_groups_and_fuzzy():
    names = ["张伟", "章伟", "单明", "善明", "李娜", "李娜"]
    groups = sorted(map(sorted, same_sound_groups(names)))
    assert groups == [[0, 1], [2, 3]]            # 李娜 ×2 is a same-name group, not a 同音 one
    assert same_sound_groups(["张三", "赞三"]) == []
    assert same_sound_groups(["张三", "赞三"], fuzzy=True) == [[0, 1]]
    assert same_sound_groups(["刘宁", "牛林"], fuzzy=True) == [[0, 1]]


def test_names_without_dictionary_characters_skip_the_converter():
    """normalize_name leaves a text alone when it holds none of key_chars: every key the 繁简
    converter replaces by something else holds one of them. Also checked for every character of the
    CJK blocks alone, and for generated and traditional names against the full conversion."""
    from bianban_xl.model import names
    from bianban_xl.synth import generate_school

    converter, keys = names._t2s()
    assert keys is not None and "張" in keys and "张" not in keys   # the shortcut is taken
    changing = [k for group in converter._dict_chain_data for _, _, table in group for k, v in table.items() if k != v]
    assert len(changing) > 4000 and all(not keys.isdisjoint(k) for k in changing)
    alone = [chr(c) for c in range(0x3400, 0xA000) if chr(c) not in keys]
    assert [converter.convert(c) for c in alone] == alone
    texts = [s.name for s in generate_school(600, 12, seed=3).students] + [
        "張偉", "劉德華", "歐陽娜娜", "李 娜", "王小明（大）", "Anna李", "范冰冰", "於明", "乾隆", "後羿", "钟鍾"]
    assert [normalize_name(t) for t in texts] == [converter.convert("".join(t.split())) for t in texts]
