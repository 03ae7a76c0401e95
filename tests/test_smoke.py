def test_cramps_answer_cites_leg_cramp_article(shipped_bot):
    answer = shipped_bot.ask("why cramps at night?")
    assert answer.covered
    assert any(c.source == "leg-cramps-at-night.txt" for c in answer.citations)
