"""Template mining and matching (pure, single-threaded, no I/O)."""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, reduce
from itertools import combinations, pairwise
from typing import Any

from template_native import TemplateIndex, mask_line

try:  # what hashlib.blake2b is, without hashlib loading OpenSSL at start (`logmesh parse` starts often)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without its own blake2
    from hashlib import blake2b

from .masking import (
    DATE_WORDS,
    VAR,
    collapse_dates,
    is_json_tokens,
    json_record,
    json_value_at,
    mask_token,
    render_tokens,
)

# characters after/before which a partly-equal token may be cut when two tokens are
# generalised into one ("user=root" + "user=admin" -> "user=<*>")
_CUT = frozenset(" =:,;()[]{}\"'|@#/.-_$+!?&%~^")


def normalise_template(template: str) -> str:
    """Whitespace-normalised template text (what template ids are computed from)."""
    return " ".join(template.split())


def template_id(template: str) -> str:
    """Stable, content-based id: blake2b (64 bit, hex) of the normalised template."""
    text = normalise_template(template)
    return blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Match:
    template_id: str
    template: str
    is_new: bool
    # set when this line made an existing template more general: its id changed
    # because its content changed; this is the id it had before
    previous_template_id: str | None = None
    # extensions: number of the engine-internal cluster (stable for the life of one
    # engine instance, survives generalisation; not comparable across instances) ...
    cluster: int = 0
    # ... and every template id this line made obsolete (previous_template_id first;
    # more than one when several templates merged into this one)
    replaced: tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineConfig:
    """One generic configuration for every kind of log; no per-source settings."""

    # a line joins the most similar template of its length when at least this
    # fraction of its tokens equal the template's constant tokens
    similarity: float = 0.5
    # a line that differs from its closest template in one word (not in a value: see
    # _is_word_edit) starts a template of its own; once that position has shown this
    # many different words, those templates merge into one with a variable there
    min_word_values: int = 5
    # ... or at once (the second value) when the words are shaped like values, not like
    # keywords: quoted, identifiers joined by "-", "_", "." or "/", a name glued to a
    # number, or words some other template already treats as values (see _value_evidence)
    value_shapes: bool = True
    # the value vocabulary (words some template already made a variable) holds names, not
    # only plain words ("eth1", "bob@example.com", "<meet.acme.io>" by "meet.acme.io"), is
    # looked up by a word's name without its brackets, quotes and trailing punctuation, and
    # a sibling group whose words all become known values merges at its next line (pass 17a)
    value_names: bool = True
    diversity: float = 0.0
    # ... or at once when at least this share of the template's tokens hold values: a
    # record of fields, where a differing word is a field value (see _is_record)
    record_share: float = 0.67
    # ... or at the second value when the words are enum-shaped (ALL_CAPS, CamelCase)
    # right after a label ("state", "to", "as", "key:", "->"): see _enum_after_label
    enum_after_label: bool = True
    # when a template generalises, templates it now covers merge into it
    absorb_covered: bool = True
    # ... or as soon as two of its words already alternate in another template
    shared_word_pairs: bool = True
    # whether that may happen to the first word of a message when the two words share
    # no structure ("com.apple.a:" and "com.apple.b:" always may)
    merge_first_word: bool = False
    # templates that come to differ in one word by generalising become siblings
    # (TemplateEngine._siblings_after_change)
    sibling_after_change: bool = True
    # a word pair where one is a past participle ("started" / "succeeded", "new," /
    # "refreshed,") is a keyword variant of a statement, never one more field of a
    # record-like line (see _keyword_variant; pass 18b)
    participle_variants: bool = True
    # a word and the same word with a negating prefix ("connected" / "disconnected",
    # "available" / "unavailable") are a statement's keyword variants: no evidence from
    # other rules (pairs elsewhere, the value vocabulary, records, key=value texts) makes
    # them two values of one field (see _negated_variant; pass 22f)
    negated_variants: bool = True
    # two participles ("started" / "succeeded") that alternate in two templates are a
    # program's keyword pair printed by several statements, not proof of values (see
    # _participle_pair; pass 22f)
    participle_pairs: bool = True
    # a word of success and a word of failure ("PASS" / "FAIL", "BUILD SUCCESS" / "BUILD
    # FAILURE", "... ok" / "... FAILED") after a literal token are the outcome a program
    # reports in two statements (or two keyword variants of one), as a word and its negation
    # are: no pair, vocabulary, record or key=value evidence makes them two values of one
    # field; after a value or a label ("<domain> pass" / "fail", "result: Failed") they stay
    # that field's values (see _outcome_keywords; pass 25b)
    outcome_pairs: bool = True
    # a past participle printed in capitals ("STARTED" / "ENDED", "INITIATED" / "COMPLETED")
    # is a participle as its lower-case form is, for every participle rule above (pass 25b)
    capital_participles: bool = True
    # two verb forms of which one is a gerund ("generating" / "parsed", "starting" /
    # "stopping") are the action a statement reports, not two values of one field: no pair,
    # vocabulary, record or gapped evidence merges them, as pass 25b's outcome pairs (not
    # after a label word: "state: running" / "stopped" are that label's values; see
    # _verb_keywords; pass 25f)
    verb_forms: bool = True
    # a preposition is a word of the statement, never a value: where one of two lines of one
    # length prints a preposition ("with", "from", "into") and the other a masked value, the
    # position is a differing word, not a parameter ("Updating <*> with <*>" / "Updating slot
    # <*> status"; see _preposition_at_value; pass 26f)
    prepositions_not_values: bool = True
    # a word printed right after a key's separator (a bare ":" or "=", or a "label:") is that
    # key's value when the template's other separators of that kind are followed by values
    # ("PID : <*> TID : <*> PROC : db2sysc", "table = <*>, merge motivation = AutoMerge,"):
    # the statement prints fields there, not a keyword (see _valued_separator; pass 20b)
    valued_separators: bool = True
    # one word alone in square brackets, or an upper-case code in quotes, is a printed
    # argument (see _enclosed_value; pass 20b)
    enclosed_values: bool = True
    # a plain lower-case word that closes a parenthesised aside an earlier word of the
    # statement opened ("Temperature (Sensor edge)" / "(Sensor memory)", "(ICE mode,
    # controlled)" / "controlling)", "(from versions: none)") is the aside's value: its words
    # name what the last one is; a word alone in round brackets ("(usable)" / "(reserved)")
    # stays a remark, an aside before ":" or "=" a label, participles a status (see
    # _aside_last_word; pass 37g)
    aside_last_words: bool = True
    # a word that is the value of one field of a comma-separated list of "label value" fields
    # ("sandbox <*>, name mail, exe mail, syscall open, path <*>" / "name editor, exe vi,
    # syscall stat,"), in a list of three or more such fields another of which prints a bare
    # value, is that label's value, as after "label:" (_valued_separator): the program prints
    # its fields there, not a sentence; a keyword pair, a capitalised word or a word holding
    # ":" or "=" stays apart (see _listed_field_value; pass 38f)
    listed_field_values: bool = True
    # first words that are one name numbered differently ("ARC0" / "ARC3": Oracle's archiver
    # processes, "eth0:" / "eth1:") are instances of one thing, a value (see _numbered_names)
    numbered_heads: bool = True
    # labels opening the line that are names in code's case, with a camel hump or in
    # capitals ("smoothSolver:" / "GAMG:" / "DILUPBiCGStab:", then "Solving for <*>, Initial
    # residual = <*>, ..."), before a statement that prints three values or more among three
    # words or more, name the part (an algorithm, a module) a shared report is printed for:
    # a value, at the second name; severity names stay labels, and statements printing
    # fewer values keep their caller's name apart ("getTasks: caller <*> does not hold ...")
    # (see _reporter_labels; pass 38d)
    reporter_labels: bool = True
    # upper-case codes right after an upper-case keyword ("IN A" / "IN MX", "BACKUP DATABASE"
    # / "BACKUP LOG") are that keyword's argument: a type or an object of the command the
    # program echoes (see _code_after_keyword; pass 21)
    codes_after_keywords: bool = True
    # CamelCase names that end in the same word and differ before it ("GatewayApplication" /
    # "InventoryApplication") are names of one kind of thing, a value (see _names_of_one_kind)
    names_of_one_kind: bool = True
    # names joined by "_" (in capitals) or "::" that end in the same part and differ before it
    # ("error FORMAT_ERROR" / "VALIDATION_ERROR", "Invoice::validate" / "Order::validate") are
    # names of one kind of thing, or one method of several classes: a value, as CamelCase
    # names of one kind are (see _names_of_one_tail; pass 29b)
    names_of_one_tail: bool = True
    # a name in lowerCamelCase right after a lower-case word of the sentence ("revoked with
    # reason keyCompromise" / "superseded") is that word's argument: an identifier of the
    # program (an enum constant, a method, a field), never its wording (see
    # _camel_name_after_word; pass 31e)
    camel_names_after_words: bool = True
    # a word right after "using" ("Using tight encoding" / "ZRLE", "using RSA key" / "EDDSA",
    # "mapped port using UPnP." / "NAT-PMP.") is the means the program chose, an argument of
    # the statement, not its wording (see _means_after_using; pass 32e)
    means_after_using: bool = True
    # dotted names that share their qualifier up to a "." and differ after it, after a word
    # of the sentence ("Host State: acme.State.Host.Off" / "acme.State.Host.Running",
    # "updating environment.current" / "environment.wind.speed") are members of one enum or
    # one tree of names, an argument (see _names_under_one_dotted_qualifier; pass 34a)
    dotted_qualifiers: bool = True
    # three or more different words right after "as" ("Processing by <*> as JSON" / "HTML" /
    # "*/*", "Running job <*> as alice" / "bob" / "svc") are the form or the role the
    # statement prints its subject in, an argument (see _forms_after_as; pass 35c)
    forms_after_as: bool = True
    # a noun right after a number that differs from its sibling only by the plural ending
    # ("with 1 track" / "2 tracks") agrees with that number: one statement (see _count_nouns;
    # pass 22d)
    count_nouns: bool = True
    # the first word opening a square bracket that a token holding a value closes ("[hls @
    # <*>]" / "[dash @ <*>]") names the context the line is logged in, as a header field
    # does, not the statement (see _valued_context; pass 22d)
    valued_contexts: bool = True
    # a quoted name labelling the message ("'Motion': Sending state" / "'Door':"), a name
    # of capitalised words joined by "_" ("Raw_Read_Error_Rate"), a string in Erlang's
    # binary brackets ('<<"fleet-ingest">>') are names a user gave: values (pass 22d)
    given_names: bool = True
    # a line that differs from a template in two words, each of which the one-word evidence
    # would call a value on its own ("'Power': Sending state <*> W" / "'Uptime': ... s"),
    # is the same statement with two values there (see TemplateEngine._values_at_both; pass 22d)
    two_word_values: bool = True
    # units of physical measures ("W", "dBm", "°C", "hPa") after a number belong to the
    # reading, as sizes and durations do (see _measure_unit; pass 22d)
    measure_units: bool = True
    # ... and so is a line whose two differing words differ by the same name printed twice
    # ("(com.acme.ModbusBridge-lifecycle) ... {serviceName=com.acme.ModbusBridge," / "SensorReader"):
    # one argument the format prints at two places (see _repeated_value; pass 22d)
    repeated_values: bool = True
    # ... judged on the two whole tokens when the parts that differ lost the digits both
    # names end in ("wlan0 {add} ... label wlan0" / "eth0 ... label eth0": the cut leaves "wlan"
    # / "eth"; see _repeated_value; pass 25d)
    repeated_whole_names: bool = True
    # ... and a name printed twice in two forms: escaped inside a JSON string at one place
    # ("Received message App\Jobs\SendMail {"class":"App\\Jobs\\SendMail"}"), or printed
    # alone at one place and as one component of a qualified name at the other ("plugin:[sign]
    # [org.example.plugin.sign.SignPlugin]", "source roads from table public.roads"): one
    # argument either way (see _repeated_value; pass 28c)
    repeated_name_forms: bool = True
    # a line that differs from a template in three or four words, two of which are one name
    # printed twice (repeated_values) and each other a value by the one-word evidence, is
    # the same statement with those arguments ("flow.billing [namespace: prod.eu] [flow:
    # billing]" / "flow.intake [namespace: dev.us] [flow: intake]"; see
    # TemplateEngine._values_at_both; pass 28c)
    several_word_values: bool = True
    # two to four differing words that all lie inside one quoted text of several tokens, on
    # the line and the template alike ("Webhook \"Notify Slack\" failed" / "\"Rebuild site\""),
    # are one argument the format quotes (see _one_quoted_text_at; pass 29e)
    quoted_word_runs: bool = True
    # a word closing a bracketed "[key: value]" field, in a template whose other such fields
    # hold values ("[namespace: billing] [flow: <*>] [task: <*>]"), is that key's value, as
    # after a bare "key:" (see _valued_separator; pass 28c)
    bracketed_key_fields: bool = True
    # the two states of a change printed in brackets ("(home -> searching)", "(idle ->
    # searching)") are values, whatever their case (see _bracketed_transition; pass 22d)
    bracketed_transitions: bool = True
    # a word right after a preposition or an article ("on shop from", "in I frame", "the
    # ascii protocol", "by PreemptionMode.SWAP") is the object the statement names, an argument
    # the format fills; what happened is said by verbs and participles, which are left out
    # (see _preposition_object; pass 23b)
    preposition_objects: bool = True
    # the name of a weekday or a month ("ON WEDNESDAY, DECEMBER 3" / "ON THURSDAY,", "Mon" /
    # "Tue") is a part of a printed date, a value whatever the program (see _date_names; pass 25d)
    date_names: bool = True
    # a word glued to its key by ":" ("from:replica" / "from:dead", "key:orders" / "key:presence")
    # in a template whose other glued "key:" fields hold values ("vb:<*> ... seqno:<*>") is one
    # more field's value, as a word after a spaced "key:" separator is (pass 20b's
    # valued_separators); the key is the statement's word, the part after it the argument
    # (see _glued_field; pass 26d)
    glued_fields: bool = True
    # the words of a sibling position that are each one word alone in quotes, whatever their
    # case, and three or more ("object 'ORDERS.IN'." / "'ORDERS.OUT'." / "'SYSTEM.QUEUE'."),
    # are values: quotes are how a format string frames an argument ('%s'), and a statement's
    # own quoted keywords come in pairs ("Round_Start" / "Round_End"). Pass 20b took only
    # lower-case names and codes in capitals (a capitalised quoted word was as often a state,
    # 'Active' / 'Inactive'); a keyword pair (a participle, a word and its negation, an
    # outcome and its opposite) never counts (see _quoted_words; pass 27c)
    quoted_words: bool = True
    # with quoted_words, two such words already count in a template that quotes a value at
    # another place (Team "CT" / "TERRORIST" triggered "<*>"): the statement quotes its
    # arguments there (as glued_fields asks another glued field; pass 27c)
    quoted_words_beside_values: bool = True
    # the words of a sibling position (not the first) that share a qualifier ending at a "/"
    # ("resource jdbc/paymentsDS." / "jdbc/ordersDS.", "nav2_x/PlannerA" / "nav2_x/PlannerB")
    # and differ only in the name after it are names in one directory or namespace: values.
    # Not "::": a C++ "Class::method" names the statement (Mac; see _names_in_one_namespace;
    # pass 27f)
    shared_qualifiers: bool = True
    # of the templates that differ from a line in as many words, one whose differing word is
    # a keyword pair with the line's (a word and its negation, an outcome and its opposite, two
    # verb forms: no evidence merges them) is the last choice, after one differing in a word
    # that may be a value, even in the first word ("[hls @ <*>] Opening '<*>' for reading" /
    # "[dash @ <*>] ... for writing" against "[hls @ ...] ... for writing"; see _closest; pass 26d)
    keyword_differences_last: bool = True
    # in a line of many fields (at least _RECORD_FIELDS tokens) the empty-field marker "-"
    # counts as equal to a value the template holds at its place (see _closest): the same
    # field, empty in this line, so a record whose fields are filled in other places (W3C's
    # "- 443 - <ip>" / "/ 443 CONTOSO\\svc -") still meets its template (pass 24d)
    empty_fields_match_values: bool = True
    # an HTTP method in a table row's cell, between two equal separators with its target in
    # the next cell ("| 200 | 10.0.0.7 | POST | /nnrf/v1 |"), is the request's field as it is
    # before its target in an access line (see _request_method; pass 24d)
    methods_in_cells: bool = True
    # a text of plain words ending the line after the message's words and a value ending
    # in ":" ("connect failed for <addr>: Device or resource busy", "rejected RCPT <a@b>:
    # relay not permitted"), of another length, is that statement's reason or error text once
    # the place has shown tail_values texts (see _value_label_text; pass 22e)
    value_label_texts: bool = True
    # a text ending the line right after a numeric code (alone, or with its ",") whose first
    # word is capitalised ("550 User unknown." / "421 Service temporarily unavailable.",
    # "2013, Lost connection to MySQL server during query"), of another length, is the code's
    # message once the place (the tokens before the code) has shown tail_values texts: a
    # reply or error code is printed with the text its table gives it (see _code_text; pass 23a)
    code_texts: bool = True
    # a line whose words differ from a template's only in one run of words between a
    # shared prefix and suffix, where that run follows a label ("because:", "reason:",
    # '"error":') or is enclosed in brackets or quotes, is the same message with a
    # free-text value of any length there (see _learn_span)
    span_values: bool = True
    # ... and a text ending the line after any other label ending in ":" once that place
    # has shown this many different texts (0: off; see TemplateEngine._tails_vary)
    tail_values: int = 3
    # ... whatever tokens those texts hold (quotes, values, labels of an error chain), when
    # the label closes a phrase of the message ("Unexpected error occurred:", "Job failed:")
    # and the texts differ in length; a word marked as a code ("DNS*", "instruction.....<*>")
    # keeps the texts apart (see _free_text; pass 14)
    free_text_tails: bool = True
    # a value printed as one token in one line and as a quoted text of several words in
    # another at the same place (a user agent) is one value (see _value_against_quoted_text; pass 14)
    quoted_texts: bool = True
    # a source position printed in the line ("controller.go:1366]", "caller=operator.go:742")
    # names the statement: a line whose position a template never showed is another
    # statement, whatever its words (see source_position; pass 14)
    source_positions: bool = True
    # ... and a template's position is counted on each line it answers unchanged too, until
    # four lines have shown it (Python answers those lines instead of the native index): a
    # template "boot.go:41] Kernel: <*>" that took a second line at boot.go:41 unchanged
    # refuses "probe.go:77] Kernel: 5.15.0" (counted on the lines that changed it alone, a
    # template mined once never showed its position twice however many lines it took). A
    # position that varies from line to line, or one statement printed from two places,
    # shows a second position among those lines and never refuses; the count of a word at a
    # statement's one position (_same_position) stays the mined lines' (see _count_position;
    # pass 38g: taken out by the blind weighing, CodeAnalysisPlatform lower in one shuffled
    # order; off by default)
    positions_on_every_line: bool = False
    # an upper-case label of a few letters ("LOG:", "DETAIL:") opens the message: the text
    # after it is never a span's value, not even after a reason word ("DETAIL:") or once its
    # texts vary (see _severity_label; pass 14)
    severity_labels: bool = True
    # a run that lies in a field of a record delimited by a token of symbols alone ("[**]",
    # "|", "::"), the delimiter printed before the run and after it or inside it, is that
    # field's value once the place has shown tail_values texts (see _delimited_field; pass 15)
    delimited_fields: bool = True
    # a run that is the first field of a record delimited by a token of symbols, every later
    # field a "key=value" ("Load quality profiles | status=SUCCESS | time=<*>"), is that
    # field's value once the place has shown tail_values texts (see _leading_field; pass 20a)
    leading_fields: bool = True
    # a run that is one function call on both sides, between the message's words ("Failed
    # to process message send_webhook(<*>, 'order.paid') with ..." / "refresh_token('paypal')"),
    # is one value once the place has shown tail_values texts (see _function_call; pass 20a)
    call_values: bool = True
    # a value printed as its constructor ("Completed()", "Failed('...')") ending the line after
    # the message's words is one value once that place showed tail_values texts (see _call_value; pass 15)
    constructor_values: bool = True
    # a new span's value runs on to the shortest suffix at which the span rules cut another
    # fixed template of its first word at the same start (see TemplateEngine._widen_span), and
    # a span over a delimited record's fields to the suffix a later line shares when that
    # line's run holds the delimiter (TemplateEngine._record_tail; pass 15)
    widen_spans: bool = True
    # a value-shaped name ending in ":" and the free text it labels, ending the line after
    # the message's phrase, are values once that place showed tail_values texts (pass 15)
    named_texts: bool = True
    # a variable-length template never loses its last literal word (a word, or a record
    # delimiter of symbols): made of variables and punctuation alone, it would take lines of
    # any program printed with the same punctuation (see _loses_last_word; pass 16)
    keep_a_word: bool = True
    # nor does a template that named nothing from its first line become variable-length:
    # its fixed length was the only thing telling its lines' programs apart (pass 22g)
    no_wordless_spans: bool = True
    # nor, once made, a word of its statement for a later line: a severity name ("INFO:",
    # "[WARN]") is printed before every statement alike, so a span left with no other word
    # ("[<*>] <*> INFO: <*> <*> <*> <*>") takes any statement printed at that level (see
    # _span_loses_statement; pass 33a)
    span_keeps_a_message_word: bool = True
    # nor does a span cut from two lines name nothing but its severity when either line named
    # a word of its own ("INFO <*> <*> <*> (<*>) <*>" / "INFO Uploading <*> (<*> bytes)" as
    # "INFO <*> <*> <*> <*>"): the run is then the whole message of each, two statements
    # printed after one header, not a value of one; a label's or a code's text stays a value
    # (see _cut_loses_statement; pass 36b)
    span_cuts_keep_a_message_word: bool = True
    # nor does a template become variable-length (a span cut from two lines, a gapped merge)
    # printing nothing but values after its header's severity word while the template or the
    # line printed a word there ("<time> [<*>] NCCL INFO Connected all rings" / "... NCCL INFO
    # comm <*> rank <*> ..." as "... NCCL INFO <*>"): the text after the severity is each
    # line's whole message, two statements printed after one header whose tag it kept, and
    # the template would take every statement of that logger (see _values_after_severity;
    # pass 37a)
    values_after_severity: bool = True
    # nor does a template of fixed length and a line that each print a word alone merge into
    # a template that names nothing but its severity: the words were the statements, and a
    # template without one takes every line of its token count and punctuation, whatever
    # program printed it (see _fixed_loses_last_word; pass 23c)
    fixed_keep_a_word: bool = True
    # nor do sibling templates (one-word differences) merge into a template that names nothing
    # but its severity, whatever evidence says the word is a value: a status keyword printed
    # as a label ("changed: [<host>]" / "ok: [<host>]") or an action word among values
    # ("<date> configure <pkg> <ver>" / "remove ...") is the only word of its statement
    # (see _sibling_loses_last_word; pass 24a)
    siblings_keep_a_word: bool = True
    # ... asked of the template the whole group would make, not of the line's template alone:
    # a member's variable elsewhere ("I: <*> Received" beside "I: Association Aborted") or a
    # member whose only word is the one that differs ("PID: <*>" beside "--> <*>") leaves the
    # merged template naming nothing though each pair kept a word (see _group_loses_last_word;
    # pass 36f)
    sibling_groups_keep_a_word: bool = True
    # ... and only templates that still differ in the group's word alone: a member that prints
    # plain words at two other places where another member (or the line) prints a bare value
    # there ("[D <*>] Activity on server <*>: <*>" beside "[D <*>] <*> GET <*> <*> <*>", which
    # joined at "on" / "GET" when a masked value met each word) has become another statement
    # since it joined, and the merge would take every member's variables, leaving the header
    # alone (see _group_drifted; pass 37b)
    sibling_groups_one_word: bool = True
    # ... except where every word of the group is a label in lower case, a component's or a
    # metric's name (pass 36f's second version: its first lowered two read corpora so)
    lower_labels_name_values: bool = True
    # a sibling group whose words are keys printed bare, each glued to its "=" with the value
    # as the next token ("average force= <*>" / "average flux= <*>", "largest residual
    # force= <*> in node <*>" / "flux= <*>"), does not merge while the place has shown fewer
    # than min_word_values keys: a program prints a field's name as a constant of its format
    # string, so two names there are two statements' fields, not one field's values, whatever
    # pair of them alternates elsewhere (see _keys_apart; pass 38e)
    sibling_keys_apart: bool = True
    # a pair of plain words alternating in two sibling groups is evidence of values only where
    # the two statements open differently before the pair ("session opened for user <name>" /
    # "session closed for user <name>"); where both open with the same words and no value
    # before it ("Loading driver <guid>" / "Loading PEIM <guid>" and "Loading driver at <addr>
    # ..." / "Loading PEIM at <addr> ..."), the pair is one program's two kinds of thing after
    # one verb, printed by two pairs of statements, not a field's values; an opening that holds
    # a value (a header's clock) or words shaped as names or labels keep the evidence (see
    # _same_opening; pass 39d: taken out after the merged main's order run, BioinformaticsPlatform
    # and RoboticsPlatform lower in shuffled orders; off by default)
    pairs_after_other_openings: bool = False
    # nor does the record rule (most tokens hold values, so a differing word is one more field)
    # merge the lines of two programs (their syslog tags differ) into a template that names
    # nothing but its severity: the program's tag and its message's first word were then taken
    # for two more "fields", and the template takes every line of its token count, whatever
    # program printed it (rauc's "Updating <*> <*> <*>" and mender's logfmt record after one
    # syslog header; see _record_loses_last_word; pass 24f)
    records_keep_a_word: bool = True
    # ... nor, whatever printed it, a template whose words after its first token would all go
    # when the line prints another name glued to a value where the template prints one
    # ("--news=<*>" / "--sync=<*>", "REQUEST(<*>):" / "SUBSCRIBE(<*>):", "chd:<*>" /
    # "chd:meter"): a name printed with its argument (an option's key, a call's name) is a
    # constant of the format string, so "MSG:[<*>] --news=<*> <*> <*> :<*>" does not become
    # "MSG:[<*>] <*> <*> <*> <*>" for "MSG:[<*>] chd:meter step <*> <*>"; plain words (a
    # method "GET" / "POST", a protocol) and quoted texts stay the record's field values
    # (see _record_loses_glued_name; pass 39e)
    records_keep_glued_names: bool = True
    # a template's token with two or more variables in it ('msg="Web server starting (<*>:<*>)"')
    # covers in _absorb only the tokens its text around the variables fits: before, its place
    # was never compared, so it took any template of its length that agreed elsewhere (pass 24f)
    absorb_several_values: bool = True
    # nor does a token of several variables and punctuation alone (a time "<*>:<*>:<*>", an
    # address "<*>.<*>.<*>.<*>") cover a plain word in _absorb: a value's place never printed a
    # word, so a template whose every word became a value took the lines of a sentence of its
    # token count ("<pv> <date> <*>:<*>:<*> <value>" took "Ready to accept request")
    absorb_value_shapes: bool = True
    # words after a preposition that are all nouns in the plural name a kind of thing, which the
    # statement counts or lists ("Number of sessions is now 3"), not an argument: no evidence
    # for preposition_objects (see _preposition_object; pass 24a)
    plural_kinds: bool = True
    # a severity printed with a colon ("INFO:") is no label whose value follows: participles
    # after it stay a keyword pair (participle_pairs; see _after_label_word; pass 24a)
    severity_not_label: bool = True
    # a single capital letter with a colon ("I:", "W:", "E:", "D:") is a severity printed in
    # one letter (DICOM toolkits, package tools, linters), after which the message begins: no
    # label whose value follows, so the verbs and outcomes after it stay the statement's own
    # keywords (see _after_label_word; pass 27d)
    letter_severities: bool = True
    # two message texts (logfmt 'msg="..."', one token) are two statements when a word at
    # which they differ pairs with the other's as _keyword_pair's keywords do (two verb forms,
    # an outcome and its opposite): the pair is asked of the texts' words, not only of whole
    # tokens, as negated_variants already does (see _message_words; pass 27d)
    message_text_keywords: bool = True
    # two texts of one logfmt message field ('msg="Key quota limit exceeded."' / 'msg="Key
    # rate limit exceeded."', one token each) that differ at a word differ in a word, as two
    # JSON messages or two plain lines do: the "=" before the text names the message, not a
    # field whose value the differing part would be; so does an "=" with no key before it
    # (a banner's "====Start") (see _text_word_edit; pass 28d)
    message_text_words: bool = True
    # a logfmt message text ('msg="Purged 12 records"', one token after the quoted-value join)
    # is the statement's own line, masked word by word: a fixed merge that leaves it a wildcard
    # ('msg="Init pump: store"' with 'msg=" - <*>"' made 'msg="<*>"', every statement of its
    # record), or swallows a run of plain words of another count ("JWT access" / "access") or
    # two plain words or more of one count, joins two statements, as it never would two plain
    # lines (their lengths differ; two differing words make a template of their own): the
    # template is no candidate then (see _message_loses_words; pass 28e)
    message_text_keeps_word: bool = True
    # two participles alone in square brackets ("[started]" / "[finished]") are a status
    # keyword of the statement, not a printed argument (enclosed_values; pass 24a)
    enclosed_participles: bool = True
    # the text a span takes after a value ending in ":" is prose: a run that holds a
    # ``key=value`` field or a value in angle brackets is a record's fields, another format
    # (see _structured_text; pass 16)
    prose_tails: bool = True
    # a quoted name ending in ":" is a JSON key, whose value a span may take whatever its
    # length, only inside a brace opened before it: in a plain line ('provision "x" class
    # "efs-shared": started') it is a value printed with a colon (pass 18a)
    json_keys_in_objects: bool = True
    # the word right after a program's syslog tag ("dhcpd[<pid>]:") opens its message and
    # names the statement ("DHCPOFFER" / "DHCPACK"): never an enum value of that "label"
    # (see TemplateEngine._enum_after_label; pass 18d)
    tag_heads: bool = True
    # the words of a bracketed header field printed with spaces ("[Server thread/INFO]:",
    # "[User Authenticator #1/INFO]:") are the header's, like "[main]" is: they do not make
    # the text after it a message's value (see _bracket_groups; pass 20e)
    bracketed_headers: bool = True
    # a severity word in the header ("Info", "WARN") is no word of the message either
    level_words: bool = True
    # a line that is a JSON record never joins a template that is not one, nor the other way
    # round (see _other_syntax; pass 16)
    json_apart: bool = True
    # an optional field inside a nested object of a JSON record whose value is a name (one
    # word masking kept) is the object's shape ("objectRef" with or without "apiGroup"),
    # another statement; at the top level (a level, an error the logger adds) or with data
    # for a value it is still the same statement (see _nested_name_field; pass 19)
    nested_optional_names: bool = True
    # a record of "|"-glued fields that ends the line is one value whatever spaces its
    # last fields hold (see _glued_record; pass 20c)
    glued_records: bool = True
    # comma-delimited fields of a record that hold words ("DB2 UDB, oper system services,
    # sqloSleepInstance, probe:38") are the record's values (see _comma_fields; pass 20c)
    comma_fields: bool = True
    # two runs of several bracketed fields after a token that closes a field in the same
    # brackets ("<date> <Error> <HTTP> <BEA-101020> <text>") are a bracketed record's
    # fields, which name the statement, not one enclosed value (see _bracketed_record; pass 20d)
    one_bracket_runs: bool = True
    # the free-text clause that takes the text after a plain label once it showed several
    # ("closed: Read Error") asks that label to follow a word of the message: after a
    # header's values, level letter or tag ("<pid> I ActivityManager: Start proc ...") the
    # text is the statement itself (see _follows_message_word; pass 24e)
    label_after_message_word: bool = True
    # a status or reply code's text is printed in title or sentence case ("Not Found",
    # "Internal Server Error", "OK", "User unknown."): a run holding a word of three or more
    # capitals ("JOB STARTED") is a message printed in capitals after a header's value, not
    # a code's text — for the HTTP clause of _span_cut and for code_texts (see _status_text; pass 24e)
    status_text_case: bool = True
    # a syslog program tag ("sshd[<*>]:") is the header's, printed before every statement:
    # the text after it is the whole message, never an error text after a value label, even
    # where the host name before the tag reads as a word of the message ("myhost
    # gnome-shell[<*>]: Window manager warning: ..."; value_label_texts, see _value_label_text;
    # pass 25a)
    tag_texts_kept: bool = True
    # a syslog header is values (date, time), the host name, then the program tag, whose name
    # masking may take whole or in part when it holds a digit ("adsb-north dump1090-fa[<*>]:"
    # reads "adsb-north <*>[<*>]:"): the host name is the header's word, printed before every
    # statement alike, so it vouches for no text after the tag, and the masked tag is still
    # the tag (see _tag_host; _value_label_text, _follows_message_word, _header_only; pass 31a)
    tag_host_header: bool = True
    # a syslog header's program tag printed without a pid ("stor-b kernel:", "nas sudo:"; a
    # lower-case name ending in ":" that is neither a reason nor a level word, right after one
    # lower-case host word that follows the header's values alone) is the tag as "sshd[<*>]:"
    # is: a text after it that opens with a word is the whole message, never one value of a
    # span, whatever texts that place has shown ("<*> stor-b kernel: md: <*>: requested-resync
    # done." / "... kernel: BTRFS error (device <*>): Transaction aborted (error <*>)" stay two
    # statements; a lone value or a record glued by "|" there, "smbd_audit: bob|<*>|...", is
    # left to the span rules) (see _bare_tag_header; pass 39a)
    bare_tags_kept: bool = True
    # a code printed right after the program tag opens the message: it is the message's
    # identifier, and the text after it the statement itself, not a code's text
    # ("QSYSARB[<*>]: CPF1124 Job <*> started ..." / "CPF2204 User profile <*> not found.";
    # code_texts, see _code_text; pass 25a)
    opening_codes_kept: bool = True
    # the words that vouch for a bracketed text being one value lie outside that text: when
    # the shared suffix ate the bracket's end ('["starting a new election"]' / '["became
    # leader at term <*>"]'), a word of the eaten part is the run's own, not the statement's
    # around it (see _span_cut's same-bracket clause; pass 26a)
    vouching_outside_run: bool = True
    # the words that vouch for an enclosed run being one value are the message's, not the
    # header's: a severity word ("INFO") and the words of a header field printed in brackets
    # with spaces ("####<Dec 3, 2026 10:00 PM UTC>", "<[ACTIVE] ExecuteThread: ...>") stand
    # before every statement alike (see _header_words; pass 27b)
    enclosed_header_words: bool = True
    # a text after a bare value label that is a sentence of the program's own (a capitalised
    # word first, a full stop last: "JobId <*>: Created new Volume \"x\" in catalog.") is a
    # statement printed after a context value, not a reason or error text printed as that
    # value's (see _sentence_text and _span_cut's bare value label clause; pass 27e)
    sentence_texts_kept: bool = True
    # two texts after a plain label that each hold a value of their own among plain words and
    # share no word ("Window manager warning: Invalid window <*> specified for <*>." / "...
    # Overwriting binding of key <*>") are two statements printed with their arguments after
    # a fixed opening, not one free-text value; after an outcome ("failed:") the text is its
    # reason (see _valued_texts, _outcome_label; pass 28g)
    valued_texts_kept: bool = True
    # a logger's qualified name is the header's, as a severity word and a bracketed field are:
    # words ending the line right after a header of values, a severity word, bracketed fields
    # and a logger name ("INFO <*> <*> app.sync.commands Creating pull transfer session" /
    # "... app.sync.commands Locally integrating received data"), or a text after a plain
    # label that opens the message after such a header ("INFO app.crawl.Injector - Injector:
    # crawlDb: <*>" / "... Injector: Total urls injected: <*>"), are the whole statement, not
    # a value printed after the message's words (see _header_only; pass 29a)
    header_tails_kept: bool = True
    # a JSON record's first text is its message, whatever its key, and its fields are the
    # statement's arguments: an optional field joins two records of one statement only, not
    # two whose first texts differ ('"text":"At {State}","State":"idle"' / '"text":"Opened."';
    # see _record_texts_differ), and two records whose keys differ at one place are no
    # fixed-length merge ('"Root":"/srv"' / '"State":"idle"'; pass 29f)
    record_texts_kept: bool = True
    # a span's run in a delimited record never holds a field that is one plain word alone
    # between delimiters ("* establish *", "* service_update *"): the record's action, which
    # names the statement (see _takes_word_field; pass 20d)
    word_fields_kept: bool = True
    # a record-like span's prefix takes one differing word as a field value, never where
    # either token is punctuation only ("=>" / "FAILED!") or a label ending in ":"
    # ("Request:" / "Completed:"): the record's syntax, which a value is printed in, not in
    # place of (see _record_syntax, _span_side_record; pass 24b)
    record_syntax_kept: bool = True
    # two runs of plain words alone with message words after them ("Sending keepalive packet
    # to" / "Receiving handshake response from" ... "peer <*>") are the statement's own
    # phrase, not a free text printed inside it (see _phrase_inside; pass 20d)
    inner_phrases_kept: bool = True
    # two runs cut as one enclosed value that hold plain words outside their brackets, not
    # the same, and every message word of the template ("UTC [kvledger] commit -> INFO ...
    # Committed block [<*>] ...") are two statements' messages, not one bracketed value
    # (see _enclosed_sentences; pass 22a)
    words_between_groups_kept: bool = True
    # a span's run in a delimited record never holds the field printed after the severity
    # field ("| INFO  | AbstractEngineNewPayload | Imported ..." / "| BackwardSyncContext |
    # Backward sync ..."): the logger, which names the statement's source (see _logger_field; pass 22a)
    logger_fields_kept: bool = True
    # a lone bracket padded by a printf width ("[ 8550.518700]", "[info     ]") is joined
    # to the token it encloses (see _join_padding)
    padded_brackets: bool = True
    # with padded_brackets, a field of a run of adjacent bracketed values padded by a printf
    # width is joined like a lone padded bracket: the kernel's caller id after its uptime
    # prints "[   12.110477][T21651]" / "[12206.879002][    C1]" / "[ 7373.498523][ T8608]",
    # one token whatever each field's width, not a statement per count of padded fields
    # (see _join_padded_chains; pass 39c)
    padded_bracket_chains: bool = True
    # a quantity restated in another unit in brackets ("1052 bytes (1.0 KB)") is left out
    # of the tokens (see _drop_conversions)
    unit_conversions: bool = True
    # a run of at least this many variable tokens is one list-valued variable (0: off)
    list_run: int = 9
    # fields of different keys at one place are different statements, not values (pass 11)
    field_keys: bool = True
    # a line of at least this many tab-separated fields is a row of a table (Zeek's logs,
    # CloudFront's access log): rows of one width and token count are one template, every
    # token where they differ a field's value (0: off; see TemplateEngine._table_template;
    # pass 16). A message with its context (zap's console lines: time, level, logger,
    # caller, message, fields) has six at most.
    table_fields: int = 8
    # after a template changes, a template of another length with its first word that the
    # span rules cut against it becomes the variable-length template of both (pass 12)
    span_after_change: bool = True
    # a variable-length template whose words around its value a fixed template of the same
    # statement has since made variables takes those variables too, and then folds the fixed
    # templates it covers: otherwise the lines of the first value seen ("QNAME: x.org; QTYPE:
    # TXT; ... ANSWER: <list>", one list of any length) stay apart from the statement's other
    # lines, each length of which generalised on its own (see _span_takes_values; pass 33d)
    span_takes_fixed_values: bool = True
    # a line of another length whose tokens align with a template's in order (same first
    # token, most constants shared) where the rest is optional parts or values of any
    # length: one template whose gaps each stand for any number of tokens, none included
    # (see TemplateEngine._learn_gapped; pass 12)
    gapped_values: bool = True
    # a line of another length that differs from a template only inside one bracketed group
    # ("{ read write }" / "{ <*> }", "(from-trunk, s, 1001)" / "(<*>)"), after words that
    # name the statement, prints a list or an argument group of another length there: the
    # group is one value (see _bracket_group_cut; pass 17c)
    bracket_groups: bool = True
    # a part printed only sometimes that is one group in round brackets holding a value,
    # between two words of the statement ("deleted <n> files (<n> bytes) from archive"), may
    # be a gap of a gapped template although it holds words (see _optional_group; pass 18c)
    optional_groups: bool = True
    # a part printed only sometimes at the end of the line that is context fields appended
    # after a comma, each a "key:" label and its value ("..., referer: <url>", nginx's
    # "..., client: <ip>, upstream: "<url>""), may be a gap of a gapped template although
    # its labels are words (see _trailing_clause; pass 20a)
    trailing_clauses: bool = True
    # a line that differs from a template of its own length in the word that names its
    # statement after the program's tag (DHCPOFFER / DHCPACK) may still be a line of another
    # template with a part printed only sometimes: it is aligned with the gapped candidates
    # before it becomes a template of its own (see TemplateEngine._gapped_beside; pass 22b)
    gapped_beside_siblings: bool = True
    # a gapped template's name holding a digit ("via eth0") aligns with a line's value ("via
    # <ip>") as a variable would: the fixed-length merge generalises such a word against a
    # value, the alignment kept it apart (see _align; pass 22b)
    gapped_digit_names: bool = True
    # a span whose statement also printed its text empty (a fixed template that is the span
    # without its variable) becomes a gapped template of both (see _span_printed_empty; pass 22b)
    empty_spans: bool = True
    # a place of one token on both sides where a gapped template's two forms differ holds
    # one value when the engine's own evidence says the two words are values of one field
    # (value-shaped, known values, or a pair that alternated elsewhere: _pair_is_values), as
    # the one-word rules would decide it at one length; a statement may print a value and a
    # part of varying length at once (see _gapped_merge; pass 22c)
    gapped_value_words: bool = True
    # with gapped_value_words, the rest of the one-word rules' evidence for a place too (a
    # word alone in brackets, a unit after a number, a name after a kind word, an enum after
    # a label: _value_evidence on the template's tokens; pass 22c)
    gapped_value_evidence: bool = True
    # a place of a gapped merge where both forms print one quoted or bracketed value, the
    # template's holding a variable, is one value of any token count although its words are
    # words ("(hitgroup "<*>")" / "(hitgroup "left arm")", "for [<*>]" / "for [<*> --all]");
    # a variable the two align beside the place is part of it (see _enclosed_place; pass 24c)
    gapped_enclosed_values: bool = True
    # with gapped_enclosed_values, a unit printed after a value on one side only ("changed
    # from <*> to <*>" / "changed from 21 °C to 22 °C") is part of that value at a gapped
    # merge's place: a quantity printed with and without its unit (pass 24c)
    gapped_value_units: bool = True
    # a place of a gapped merge where the line prints more words of a name beside the
    # template's variable ("from <*> :" / "from Zed Bedrock :"): a value of title-case words
    # (each opens with a capital and goes on in lower case) is one name of any token count,
    # the variable and the words one gap (see _name_extent; pass 25c)
    gapped_name_words: bool = True
    # with gapped_name_words, a word inside such a name may be a short particle in lower case
    # ("from Sigrun the Bold :", "by Anna van Dijk"; pass 25c)
    gapped_name_particles: bool = True
    # with gapped_name_words, a name between two lower-case words of the sentence may hold
    # words in capitals, a letter alone or a word in mixed case ("fetching <*> data" /
    # "fetching NUT UPS data" / "fetching Shelly Plug S data"): the sentence's own words
    # around it say the place is its argument (see _sentence_words_around; pass 36c)
    sentence_capital_names: bool = True
    # a place of a gapped merge where both lines print a text of their own, of different
    # lengths, each opening with a title-case word right after a plain word of the sentence
    # ("Job Site Purge completed in" / "Job Remove Old Events completed in", "upgrade step Fix
    # discussion behavior for" / "upgrade step Update registry for"): a capital inside a
    # sentence opens a name or title the program was given (a job's, a step's, a place's),
    # not the statement's wording, which goes on in lower case ("logged in" / "failed to log
    # in"); the two texts are one gap (see _titled_place; pass 29c)
    gapped_titled_texts: bool = True
    # a place of a gapped merge inside a dump of bytes (two hexadecimal digits each, "--> <*>
    # CB <*>" / "--> <*> <*> ED"): a byte of letters only is a value like its neighbours, and a
    # dump of any length one gap (see _byte_place, _one_dump; pass 30b)
    gapped_byte_runs: bool = True
    # a duration printed in as many units as it needs ("Elapsed: 4 min 12 s" / "Elapsed: 37
    # s", "est_time: 6 hrs 6 mins," / "3 mins,"): the number and unit pairs, larger units
    # first, are one value of any length, not a statement per count of units (see
    # _duration_run; pass 30e)
    duration_values: bool = True
    # a distinguished name printed with spaces in its attributes' values ("for
    # /DC=org/O=Example Grid/CN=Jane Doe with" / "for /DC=ch/OU=Organic Units/CN=Robot with",
    # "rejected: CN=node-opcua, O=NodeOPCUA," / "CN=Ignition OPC UA Client, O=Acme Plant,"):
    # attributes of short capital types joined by "/" or "," are one name of any length, not a
    # statement per count of words in it (see _distinguished_name_run; pass 31f)
    distinguished_names: bool = True
    # a path printed with spaces in its names ("Copying Music/Album 01/track03.flac from",
    # 'Prepared "/srv/music/Nina Simone - Feeling Good.mp3"', "saved: C:\Program Files
    # (x86)\App\app.config"): its pieces joined by "/" or "\" up to a file's name are one
    # value of any length, not a statement per count of words in it (see _spaced_path_run)
    spaced_paths: bool = True
    # a quoted path of several words, its quote maybe after a string literal's one-letter
    # prefix (Wine's 'Loaded L"C:\\Program Files (x86)\\App\\app.dll" at' / 'Loaded
    # L"C:\\Games\\Old Game\\<*>" at'): the run from the token opening the quote on a path's
    # root or joined names to the token closing it is one value of any length, whatever
    # masking made of its last pieces (see _quoted_paths_cut; pass 38c)
    quoted_paths: bool = True
    # with gapped_enclosed_values, a place of a gapped merge that lies inside one quoted or
    # bracketed value on both sides (the alignment matched words inside the two values:
    # "process "<*> -c apt-get install -y curl" did" / "process "/bin/sh -c npm ci" did") is
    # the whole value: the aligned tokens inside it join the gap, up to its delimiters
    # (see _enclosing_extent; pass 26c)
    gapped_enclosing_values: bool = True
    # with gapped_enclosed_values, round brackets whose whole content is one bracketed or
    # quoted group of several tokens ("([STANDALONE MODE])", "("no peer yet")") frame a value
    # like the same brackets around a value on the other side ("([::ffff:<*>]:<*>)"), though
    # the group holds words alone: a phrase set in brackets ("(cache miss)", pass 17c's guard)
    # is words, never a group nested in the brackets; the two are one value of any token count
    # (see _nested_group_place; pass 38a)
    gapped_nested_groups: bool = True
    # with gapped_enclosing_values, a bracketed group of the line's header (a thread or
    # channel name printed with spaces: "[Dispatch Thread on Billing Feed (<*>)]" / "[Dispatch
    # Thread on Lab Results Out (<*>)]") is one value though words of it aligned: before it
    # the line prints only the header's tokens (values, a level word, one-token fields), so
    # its words name no statement; the message's words after it still do. A header field in
    # angle brackets is one value too ("<Thread-<*>>" / "<[ACTIVE] Worker: '7' for queue:
    # 'default'>"), and so is a bracketed field where the template's header prints a bare
    # variable (see _header_value, _header_field; pass 27a)
    gapped_header_groups: bool = True
    # a quoted token that holds "key=value" ('"http://shop/a?page=7"', '"Root=1-5f3a"') keeps
    # its closing quote after masking: the masking of the last value took the quote into the
    # value ('"http://<*><*>'), so the token looked like a quote left open, and the checks that
    # tell a quoted value from a quoted text of several words (_same_or_value's quote parity,
    # the quoted-text clause of pass 14) no longer saw one value (see _closed_quotes; pass 28b)
    closed_quotes: bool = True
    # names in code's case (capitals, or a capital inside) glued to one fixed bracket that holds
    # a bare value ("ACK(<*>):" / "NACK(<*>):", "getUser(<*>)" / "getOrder(<*>)") are calls with
    # their argument: the name is the statement's. A bracket whose value is keyed
    # ("Alice(uid=<*>)") holds an attribute printed after a name, and plain or capitalised words
    # ("up(1)" / "down(2)", "Dial(...)" / "Set(...)") are values with their code: still values
    # (see _bracket_argument, _code_case; pass 30d)
    bare_argument_calls: bool = True
    # a word of letters alone in square brackets right after the level word ("INF [RTSP]" /
    # "INF [RTMP]", "WRN [api]" / "WRN [webrtc]") names the part of the program that logs,
    # as a logger's name does: two such words are two statements' words, not a field's
    # values; thread names, hosts and ids there carry digits or joiners ("[main-2]") and stay
    # values (see _component_after_level; pass 31c)
    components_after_level: bool = True
    # a lower-case word right after a bare level word, or after it and a logger's name
    # ("INFO applier connection ..." / "INFO inspector connection ...", zap's "INFO records
    # apply chaos" / "INFO records recover chaos"), opens the message: the part that logs or
    # the statement's verb, so a pair alternating there is no value the pair's other
    # statements vouch for (see _head_after_level; pass 34d)
    heads_after_level: bool = True
    # two capitalised words in a title ("Received Find Response") that alternate in another
    # template vouch for each other as values only at one place: the same place of a template
    # of the same length, or between the same tokens ("Flyway <*> Edition"); printed in
    # another frame ("Received Final Find Response (Success)" / "Received Find Response <n>
    # (Pending)") they are the program's names of its own operations, each a statement's word
    # (see _capitalised_pair, _pair_at_one_place; pass 36e)
    pairs_at_one_place: bool = True
    # a whole quoted text with no key, opening the message after the header and followed by
    # the line's key=value fields, is the statement (klog's structured '"msg" key="v"'):
    # two such texts are never one span value (see _message_before_fields; pass 31d)
    messages_before_fields: bool = True
    # a span's run that is a record of key=value fields (three or more, half its tokens or
    # more: netfilter's "IN=<*> OUT= MAC=<*> SRC=<*> ...") is no free text: the keys are the
    # statement's words, printed in the same places each time, so a text against such a
    # record, or records that differ by more than the flags set in them (_flag_run's "DF",
    # "ACK PSH"), are two statements, not one value; keys inside a quoted text (an XML
    # document's attributes) are no record (see _run_over_record; pass 36a: taken out by the
    # blind weighing, BootPlatform lower in its own order and one shuffle; off by default)
    records_kept: bool = False
    # a template that generalised absorbs (absorb_covered) only a template whose words it
    # keeps as a line would need them: at least ``similarity`` of the covered template's
    # words of text (lower-case words, not codes, fields or values) are its constants too. A
    # template whose message became values ("[D <*> App] <*> <*> <*> <*>" after two request
    # lines) covers every sentence of its length behind the same header ("[D <*> App]
    # Accepting connection from <*>"), yet it has shown nothing of those words: they stay
    # their statement's (see _covers_by_values_alone; pass 37f)
    absorb_keeps_words: bool = True
    # a template of fixed length whose every token is a bare variable ("<*> <*> <*> <*> <*>",
    # a solver's progress rows) covers every line of its token count, so lookup would answer
    # with it any later line of that length whatever its words ("Courant Number mean: <*>
    # max: <*>", "<*> rows, <*> cols, <*> nonzeros <*>s"): it takes only lines that name
    # nothing; a line that names something (a word, a delimiter) is mined and starts or joins
    # a template that keeps its words. A template that kept punctuation ("<*> - <*> <*>", a
    # record whose fields' words became values) is not asked (see _values_take_named; pass 38b)
    values_only_apart: bool = True
    # a header printed as "|"-joined fields with no space before the message (NLog's
    # "<time>|Info|Service|Episode search ...", Open vSwitch's "<time>|<n>|bridge|INFO|bridge
    # ...") glues the message's first word to the header's masked time: that word is the
    # statement's, not a piece of the time (see _header_glued_word; pass 32g)
    glued_header_words: bool = True
    # two runs that the enclosed-run clause would take for one bracketed value, but whose
    # opening bracket or quote closes before their end ("[main] INFO Job - Applying [install]" /
    # "[pool-2] INFO Job - Successfully applied [upgrade]", '"id" : <*>, "mode" : <*>, "mic"' /
    # '"id" : <*>, "state" : <*>, "mic"'), are several groups: when the plain words between the
    # groups or the keys of their quoted fields differ, they are two statements' words or two
    # records' shapes, not one value (see _different_groups; pass 32d)
    enclosed_groups_named: bool = True
    # a name in code's case ("max_upload_size", "gmIdentity", "gm.ClockClass") that opens the
    # message after a label or program tag and is followed by its value alone ("= <v>" or
    # "<v>" to the line's end) names a setting a program prints: two such names are two
    # statements, not values of one field, however many settings it prints (see
    # _setting_name; pass 33c)
    setting_names: bool = True
    # with setting_names, a constant's name in capitals joined by "_" ("LLAMA_COMMIT <v>" /
    # "LLAMA_BUILD_NUMBER <v>") names a setting as a name in code's case does, and so does a
    # plain lower-case word printed among such names the same way ("ftype = <v>" beside
    # "n_audio_ctx = <v>", "pilot <v>" beside "ap.enabled <v>"): programs that dump their
    # settings print short names plain; two plain words alone stay values (see
    # _setting_names; pass 35f)
    setting_name_cases: bool = True
    # with valued_texts_kept, words ending the line after the message's fixed words are not
    # one value when both texts hold a value of their own among plain words and share no word
    # ("ws connection from <*> user <*>" / "ws closed <*> code <*>"): two statements' format
    # strings printed after a common opening, as after a plain label (see _valued_texts;
    # pass 34e)
    valued_tails_kept: bool = True
    # a token of signs alone ("+" / "-" / "*" opening a change's line, ">>" / "<<" after a
    # logger's name, "✓" / "✗") where the other line prints other signs, with nothing or a
    # word before it, marks the kind of statement as a word does: two such marks are two
    # statements, not values of one field (see _sign_pair; pass 34g)
    signs_apart: bool = True
    # a text in sentence case (a title-case first word, then plain words and values) after a
    # token ending in ":" (or a bracketed code after one: "[Errno <*>]"), ending the line or
    # its clause before a bracket or after a ";", where the other line prints another such
    # text of another length ("can't open "<*>": Permission denied" / "No such file or
    # directory", "Commit failed: Could not send mail (<*>)"): the capital after the colon
    # opens the message of another layer (strerror, an exception, a library's error), one
    # value of any length, without waiting for the place to show more texts; texts of one
    # word, in capitals or holding a label stay the other rules' (see _sentence_error_cut)
    sentence_error_texts: bool = True
    # a line that is a template of another length up to a label closing the shorter of the
    # two ("received on stdout:" / "received on stdout: Redirecting to ..."): the program
    # printed the label's text empty in one line, so both are one statement whose text after
    # the label may hold no token (see TemplateEngine._learn_label_printed_empty; pass 35b)
    labels_printed_empty: bool = True
    # a command line after a label ending in ":" or inside quotes ("Command: dnf install -y
    # nginx" / "dnf makecache --timer", "running 'pkg -S --needed base-devel git'"), an
    # option among its words, is one argument whatever its words and length, once the place
    # has shown tail_values texts (see _command_line; pass 35g)
    command_lines: bool = True
    # a quoted message after a header of values and fields only (logrus behind a syslog
    # prefix, go-kit logfmt with fields printed after it) names its statement by its first
    # words, values skipped: different words there are different statements (pass 13)
    message_names: bool = True
    # a plain word opening the message after a header of values is the statement's verb,
    # never a field value of a record-like line (see TemplateEngine._is_record; pass 13)
    header_verbs: bool = True
    # a span's run after a value ending in ":" never holds the whole message: a value that
    # follows only the header is the message's code (see _opens_message; pass 13)
    whole_message_runs: bool = True
    # a template merged into another keeps its number in lines already answered; with this
    # on, the absorbing template's next lines are reported under each such number once
    # (again after each later change of its template), so a stream consumer that keeps a
    # cluster's last template (the harness's cmd: semantics) regroups those lines as
    # --final does. Off by default: it also carries --final's merges that Loghub's ground
    # truth keeps apart into the stream (Loghub FGA .9298 -> .9268, docs/decisions/template-engine.md)
    announce_retired: bool = False
    # exact-message cache entries (0 disables); cleared when full
    message_cache_size: int = 200_000
    # masked-token cache entries (0 disables); cleared when full
    token_cache_size: int = 200_000


class _Cluster:
    __slots__ = (
        "_index",
        "_pending",
        "announce",
        "count",
        "delimiter",
        "gaps",
        "key",
        "merged_into",
        "positions",
        "retired",
        "seq",
        "sib",
        "span",
        "template",
        "template_id",
        "tokens",
        "unchanged",
        "values_only",
        "watched",
        "wild",
    )

    def __init__(self, seq: int, tokens: tuple[str, ...], index: TemplateIndex | None = None) -> None:
        self.seq = seq
        self.count = 0
        # a template of fixed length of bare variables alone, with values_only_apart: the
        # native index leaves its lines to Python (see _Bucket.add, TemplateEngine._values_take_named)
        self.values_only = False
        self.merged_into: _Cluster | None = None
        # a span made from a record field whose delimiter both runs printed: the delimiter
        # (a later line's value may run on over more of the record's fields, _match_span)
        self.delimiter: str | None = None
        # position -> sibling group: templates that differ from this one only in the
        # plain word at that position
        self.sib: dict[int, _Siblings] = {}
        # one of those groups is to be merged at this template's next line
        self._pending = False
        self._index = index
        # numbers of retired templates now covered by this one whose stream answers still
        # show their old template: each next line of this one is reported under one of
        # them (TemplateEngine._announce), so a consumer keeping a cluster's last template
        # (the stream's contract) regroups their earlier lines under this template
        self.announce: list[int] = []
        # every number retired into this template: announced again when it changes
        self.retired: list[int] = []
        # position of the variable that stands for one or more tokens (a free-text value
        # of any length); such templates live outside the length buckets
        self.span: int | None = None
        # positions of the variables that stand for any number of tokens, none included (a
        # gapped template, see TemplateEngine._learn_gapped); such templates live outside the
        # length buckets too
        self.gaps: tuple[int, ...] = ()
        # the source positions ("controller.go:1366") printed in the lines mined into it,
        # with how many such lines printed each
        self.positions: dict[str, int] = {}
        # lines it answered unchanged while watched, by the position they printed, and whether
        # it is watched: its one position shown in fewer than _WATCHED_LINES lines so far,
        # Python answers its lines to count them (TemplateEngine._count_position)
        self.unchanged: dict[str, int] = {}
        self.watched = False
        self._set_tokens(tokens)

    @property
    def pending(self) -> bool:
        return self._pending

    @pending.setter
    def pending(self, value: bool) -> None:
        # the native index answers this template's lines only while it is not pending
        self._pending = value
        if self._index is not None:
            # a template with retired numbers to announce is answered by Python as well, and
            # so is one of bare variables (each line is asked whether it names something) and one
            # whose source position is being counted
            self._index.set_pending(self.seq, value or bool(self.announce) or self.values_only or self.watched)

    def _set_tokens(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tokens
        # wildcard positions: (position, prefix, suffix); a whole-token variable has
        # empty prefix and suffix; a variable inside a token stands for at least one
        # character ("rhost=<*>" does not cover "rhost=")
        wild = []
        for i, tok in enumerate(tokens):
            if tok == VAR:
                wild.append((i, "", ""))
            elif VAR in tok and tok.count(VAR) == 1:
                k = tok.index(VAR)
                wild.append((i, tok[:k], tok[k + 3 :]))
        self.wild = tuple(wild)
        self.key = tokens
        self.template = render_tokens(tokens)
        self.template_id = template_id(self.template)
        if self.retired:
            # lines reported under these numbers show the old template now
            self.announce = list(self.retired)
            self.pending = self._pending

    def resolve(self) -> _Cluster:
        c = self
        while c.merged_into is not None:
            c = c.merged_into
        return c


class _Siblings:
    """Templates differing only in one word position; merged once it varies enough."""

    __slots__ = ("evident", "members", "pos", "values")

    def __init__(self, pos: int) -> None:
        self.pos = pos
        # set when another template showed two of these words alternating too: merge
        # at the next line of any member
        self.evident = False
        self.values: set[str] = set()
        self.members: list[_Cluster] = []


def _pair_at_one_place(first: _Siblings, group: _Siblings) -> bool:
    """Whether two sibling groups hold their words at one place: the same place of templates
    of one length, or between the same tokens ("Flyway <*> Edition" in two statements), the
    frame a value is printed in (a group whose templates all merged away counts as one)."""
    if not first.members or not group.members:
        return True
    a, b = first.members[0].tokens, group.members[0].tokens
    if first.pos == group.pos and len(a) == len(b):
        return True
    return _beside(a, first.pos) == _beside(b, group.pos)


def _beside(tokens: tuple[str, ...], pos: int) -> tuple[str, str]:
    return (tokens[pos - 1] if pos else "", tokens[pos + 1] if pos + 1 < len(tokens) else "")


_TITLE_PARTS = re.compile(r"^[A-Z][a-z]+(?:-?[A-Z]?[a-z]+)*$")


def _capitalised_pair(tokens: tuple[str, ...], pos: int, pair: tuple[str, str]) -> bool:
    """Whether both words are capitalised words of letters (``Find``, ``Sub-Association``,
    ``SecretSync``; not ``AM`` or ``GC``) and a capitalised word of the template stands
    right beside them: a title of several words ("Received Find Response")."""
    if not all(_TITLE_PARTS.match(w) for w in pair):
        return False
    beside = [tokens[j].strip(_QUOTES + "{[(,") for j in (pos - 1, pos + 1) if 0 <= j < len(tokens)]
    return any(_TITLE_PARTS.match(w) for w in beside)


class _TemplateTokens:
    """A template's tokens where a sibling group's checks read only its first member's
    tokens (TemplateEngine._gapped_values_at)."""

    __slots__ = ("tokens",)

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tokens


def _retired(old_ids: list[str], live_id: str) -> tuple[str, ...]:
    """The ids a change retired, ``live_id`` left out: the changed template's own old id first
    (the contract's previous id), the templates merged into it sorted, so the answer does not
    depend on the order the scan or the native index found them in."""
    ids = [i for i in dict.fromkeys(old_ids) if i != live_id]
    return (*ids[:1], *sorted(ids[1:]))


# places besides a sibling group's own where a plain word meets a bare value that make two
# of its templates two statements (_group_drifted; pass 37b)
_DRIFTED_PLACES = 2


def _rows_template(rows: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The template that covers token rows of one length: each place's tokens merged in turn
    (_merge_token), as a sibling group's merge makes it."""
    merged = rows[0]
    for row in rows[1:]:
        merged = tuple(a if a == b else _merge_token(a, b) for a, b in zip(merged, row, strict=True))
    return merged


def _words_against_values(rows: list[tuple[str, ...]], pos: int) -> int:
    """Places of templates of one length, ``pos`` left out, where one prints a word of letters
    alone ("Activity", "server") and another the bare variable."""
    return sum(
        1 for j, col in enumerate(zip(*rows, strict=True))
        if j != pos and VAR in col and any(_letters_word(t) for t in col)
    )


def _bare_values(tokens: tuple[str, ...]) -> bool:
    """Whether every token of a template is a bare variable (``<*> <*> <*> <*>``): it has
    kept neither a word nor a token's punctuation of the lines mined into it."""
    return all(t == VAR for t in tokens)


# a key printed bare, glued to its "=", its value the next token ("force=", "avg_time=")
_BARE_KEY = re.compile(r"^[A-Za-z_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?=$")


def _bare_key_at(tokens: tuple[str, ...], pos: int) -> bool:
    """Whether ``tokens`` print a bare key at ``pos`` ("flux=") with its value as the next
    token (a variable or a token holding one)."""
    return _BARE_KEY.match(tokens[pos]) is not None and pos + 1 < len(tokens) and VAR in tokens[pos + 1]


_KEYWORD_SHAPE = re.compile(r"^[A-Za-z][A-Za-z_-]*$")


def _same_opening(first: _Siblings, group: _Siblings) -> bool:
    """Whether two sibling groups' templates print the same opening of words alone before the
    groups' place (no value in it: not a header of clock, host and level), and the groups' words
    are plain words (no value, name or label shape): a pair of statements' shared opening and
    the keywords it is followed by."""
    if not first.members or not group.members:
        return False
    a = first.members[0].tokens[: first.pos]
    b = group.members[0].tokens[: group.pos]
    return (
        a == b
        and bool(a)
        and all(VAR not in t for t in a)
        and all(_KEYWORD_SHAPE.match(w) is not None for w in (*first.values, *group.values))
    )


def _due_group(c: _Cluster) -> _Siblings | None:
    """The sibling group that a line of ``c`` merges now, if any: the first evident group of
    a pending template. Without one the line is answered like any other (the native index
    is told so, see TemplateEngine._settle)."""
    if c.pending:
        for group in c.sib.values():
            if group.evident:
                return group
    return None


class _Bucket:
    """All templates of one token count, indexed for the fast path."""

    __slots__ = ("clusters", "index", "native", "pattern_list", "patterns", "postings", "values_apart")

    def __init__(self, native: TemplateIndex | None = None, values_apart: bool = False) -> None:
        # the engine's native index, kept in step with index / patterns (see TemplateEngine)
        self.native = native
        # EngineConfig.values_only_apart: templates of bare variables are answered by Python
        self.values_apart = values_apart
        self.index: dict[tuple[str, ...], _Cluster] = {}
        # (position, constant token) -> templates that have it: finds similar templates
        # without comparing the line with every template of its length
        self.postings: dict[tuple[int, str], list[_Cluster]] = {}
        # wildcard pattern (tuple of (pos, prefix, suffix)) -> number of templates
        self.patterns: dict[tuple[tuple[int, str, str], ...], int] = {}
        self.pattern_list: list[tuple[tuple[int, str, str], ...]] = []
        self.clusters: list[_Cluster] = []

    def add(self, c: _Cluster) -> None:
        self.index[c.key] = c
        self.clusters.append(c)
        postings = self.postings
        for i, tok in enumerate(c.tokens):
            if tok != VAR:
                lst = postings.get((i, tok))
                if lst is None:
                    postings[(i, tok)] = [c]
                else:
                    lst.append(c)
        n = self.patterns.get(c.wild, 0)
        self.patterns[c.wild] = n + 1
        if n == 0:
            # most specific patterns (fewest wildcards) first
            self.pattern_list = sorted(self.patterns, key=len)
        if self.native is not None:
            self.native.add(c.seq, c.key, c.wild, c.template, c.template_id)
        values_only = self.values_apart and _bare_values(c.tokens)
        if values_only != c.values_only:
            c.values_only = values_only
            c.pending = c.pending  # tell the native index whether Python answers its lines

    def remove(self, c: _Cluster) -> None:
        if self.index.get(c.key) is c:
            del self.index[c.key]
        self.clusters.remove(c)
        postings = self.postings
        for i, tok in enumerate(c.tokens):
            if tok != VAR:
                lst = postings[(i, tok)]
                lst.remove(c)
                if not lst:
                    del postings[(i, tok)]
        n = self.patterns[c.wild] - 1
        if n:
            self.patterns[c.wild] = n
        else:
            del self.patterns[c.wild]
            self.pattern_list = sorted(self.patterns, key=len)
        if self.native is not None:
            self.native.remove(c.seq)
        if c.values_only:
            # (a span or gapped template made from it lives outside the buckets)
            c.values_only = False
            c.pending = c.pending

    def lookup(self, toks: tuple[str, ...]) -> _Cluster | None:
        index = self.index
        for pat in self.pattern_list:
            if not pat:
                c = index.get(toks)
            else:
                key = list(toks)
                for pos, pre, suf in pat:
                    if pre or suf:
                        if not _fits(key[pos], pre, suf):
                            break
                        key[pos] = pre + VAR + suf
                    else:
                        key[pos] = VAR
                else:
                    c = index.get(tuple(key))
                    if c is not None:
                        return c
                continue
            if c is not None:
                return c
        return None


_MESSAGE_KEYS = ('msg="', 'message="')
# the first word of a quoted logfmt message ('msg="Updated phase', 'message="Created pod:')
_MESSAGE_HEAD = re.compile(r'^(?:msg|message)="([^\s"]*)')


def _common(a: str, b: str) -> tuple[str, str]:
    """Longest common prefix and suffix of two different tokens, each cut back to a
    delimiter so that no word is split."""
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    while p > 0 and a[p - 1] not in _CUT:
        p -= 1
    s = 0
    m = n - p
    while s < m and a[-1 - s] == b[-1 - s]:
        s += 1
    while s > 0 and a[-s] not in _CUT:
        s -= 1
    return a[:p], (a[len(a) - s :] if s else "")


def _merge_token(a: str, b: str) -> str:
    """Most specific token that covers both ``a`` (template) and ``b`` (line)."""
    if a == VAR:
        return VAR
    pre, suf = _common(a, b)
    if (VAR in pre or VAR in suf) and _MESSAGE_HEAD.match(a) and _MESSAGE_HEAD.match(b):
        # a quoted message masked word by word: its text up to the first variable and after
        # the last one stays ('msg="Created pod: <*>)"'), one wildcard as everywhere
        if VAR in pre:
            pre = pre[: pre.index(VAR)]
        if VAR in suf:
            suf = suf[suf.rindex(VAR) + len(VAR) :]
        if suf.endswith('"') and len(a) - len(suf) > len(pre) and len(b) - len(suf) > len(pre):
            return pre + VAR + suf
    if VAR in pre or VAR in suf:
        # at most one wildcard per token, so that it stays matchable by prefix/suffix;
        # the closing punctuation both share stays ("<*>.svc.local." / "<*>." -> "<*>.":
        # a name's trailing dot, a field's comma), else the two never meet again
        tail = 0
        while tail < min(len(a), len(b)) - 1 and a[-1 - tail] in _CLOSING and a[-1 - tail] == b[-1 - tail]:
            tail += 1
        return VAR + a[len(a) - tail :] if tail and VAR not in a[len(a) - tail :] else VAR
    return pre + VAR + suf


_LEAD = "\"'([{<"
# punctuation that closes a token: kept when two tokens merge into a bare variable
_CLOSING = ".,;:"
_TAIL = "\"')]}>,;:."


def _enclosed_var(words: list[str]) -> str:
    """The variable that replaces a word position: ``<*>`` keeping the quotes, brackets
    and trailing punctuation every word shares ('"GET' / '"POST' -> '"<*>')."""
    if any(VAR in w for w in words):
        return VAR
    frame = _argument_frame(words)
    if frame is not None:
        return frame[0] + VAR + frame[1]  # "query[A]" / "query[HTTPS]" -> "query[<*>]"
    lead = 0
    first = words[0]
    while lead < len(first) and first[lead] in _LEAD and all(len(w) > lead and w[lead] == first[lead] for w in words):
        lead += 1
    tail = 0
    while (
        tail < len(first) - lead
        and first[-1 - tail] in _TAIL
        and all(len(w) - lead > tail + 1 and w[-1 - tail] == first[-1 - tail] for w in words)
    ):
        tail += 1
    return first[:lead] + VAR + (first[len(first) - tail :] if tail else "")


def _fits(t: str, pre: str, suf: str) -> bool:
    """Whether line token ``t`` fits a token ``pre<*>suf``: the variable stands for at
    least one character (an empty ``key=`` value is not ``key=<*>``: see the decision
    note, fourth pass)."""
    return len(t) > len(pre) + len(suf) and t.startswith(pre) and t.endswith(suf)


def _wild_ok(a: str, t: str) -> bool:
    k = a.index(VAR)
    return _fits(t, a[:k], a[k + 3 :])


def _closes(text: str) -> bool:
    """Whether ``text`` holds a quote that is not escaped (``\\"`` inside a quoted value,
    as logfmt and Go's %q print it, does not end the value)."""
    k = text.find('"')
    while k >= 0:
        if k == 0 or text[k - 1] != "\\":
            return True
        k = text.find('"', k + 1)
    return False


def _join_quoted(raw: list[str]) -> list[str]:
    """Keep a quoted ``key="a value with spaces"`` together as one token."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        tok = raw[i]
        k = tok.find('="')
        if k >= 0 and not _closes(tok[k + 2 :]):
            j = i + 1
            while j < n and not _closes(raw[j]):
                j += 1
            if j < n:
                out.append(" ".join(raw[i : j + 1]))
                i = j + 1
                continue
        out.append(tok)
        i += 1
    return out


def _open_value(m: str) -> bool:
    """A masked token that opens a quote it never closes and ends in a variable ("," ";" "."
    ":" after it): what masking makes of a quoted token whose last "key=value" value took the
    closing quote ('"http://<*><*>'); only then is the line split again (_closed_quotes)."""
    return m[:1] in ('"', "'") and m.count(m[0]) == 1 and m.rstrip(",;.:").endswith(VAR)


def _closed_quotes(raw: list[str], out: list[str]) -> list[str]:
    """The masked tokens ``out`` of the raw tokens ``raw``, where a raw token quoted whole
    (one quote character opening it and one closing it, "," ";" "." ":" after it) that holds
    a "=" lost its closing quote in masking ('"http://shop/a?page=7"' masked '"http://<*><*>')
    get it back before what followed it: the quote closes the token's value, as it does for
    a quoted value without "=" ('"curl/8.5.0"' / '"curl/<*>"'). Pass 28b."""
    if len(raw) != len(out):
        return out
    res: list[str] | None = None
    for k, (r, m) in enumerate(zip(raw, out, strict=True)):
        q = r[:1]
        if q not in ('"', "'") or "=" not in r or not _open_value(m):
            continue
        body = r.rstrip(",;.:")
        if len(body) < 3 or body[-1] != q or body.count(q) != 2:
            continue
        trail = r[len(body) :]
        head = m[: len(m) - len(trail)] if trail else m
        if (trail and not m.endswith(trail)) or head.endswith(q):
            continue
        if res is None:
            res = list(out)
        res[k] = head + q + trail
    return out if res is None else res


def _raw_tokens(message: str) -> list[str]:
    """The tokens a line is split into before masking: a JSON record's keys and values
    (masking.json_record), else whitespace-separated words with quoted values joined."""
    record = json_record(message)
    if record is not None:
        return record[0]
    words = message.split()
    return _join_quoted(words) if '="' in message else words


_PAD_CLOSE = {"[": "]", "(": ")"}
_PAD_OPEN = {"]": "[", ")": "("}
_PAD_WORD = re.compile(r"^[\[(][A-Za-z][A-Za-z0-9_.-]*$")


def _join_padding(toks: list[str]) -> list[str]:
    """Spaces a printf width puts inside a bracket are padding, not a token boundary: the
    kernel's ``[%5lu.%06lu]`` uptime prints ``[ 8550.518700]`` below 10,000 s and
    ``[12345.678901]`` above; structlog pads the level, ``[info     ]`` / ``[warning  ]``.
    A lone opening bracket before a value that closes it, and a lone closing bracket after
    a word that opened it, are joined to that token, so the field is one token whatever
    its width. Brackets around several tokens (``( 3552 3534 )``, ``{ read write }``)
    are left alone: the token next to the bracket does not close (open) it."""
    out: list[str] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        closer = _PAD_CLOSE.get(t)
        if closer is not None and i + 1 < n:
            nxt = toks[i + 1]
            body = nxt.rstrip(_TRAIL)
            if nxt.startswith(VAR) and body.endswith(closer) and body.count(closer) == 1 and t not in body:
                out.append(t + nxt)
                i += 2
                continue
        opener = _PAD_OPEN.get(t.rstrip(_TRAIL))
        if opener is not None and out and out[-1][:1] == opener and _PAD_WORD.match(out[-1]):
            out[-1] += t
            i += 1
            continue
        out.append(t)
        i += 1
    return out


_VALUE_GROUP = r"\[[^\w\s\[\]]*" + re.escape(VAR) + r"[^\w\s\[\]]*\]"
_CHAIN_HEAD = re.compile(r"^(?:" + _VALUE_GROUP + r")*\[$")
_CHAIN_PIECE = re.compile("^" + re.escape(VAR) + r"\](?:" + _VALUE_GROUP + r")*(?:\[|[^\[\]]*)$")


def _join_padded_chains(toks: list[str]) -> list[str]:
    """A run of adjacent bracketed values (``[12206.879002][T21651]``: the kernel's uptime
    and caller id) padded by a printf width in one of its fields: ``[   12.110477][T21651]``
    cuts after the first bracket, ``[12206.879002][    C1]`` after the second, and
    ``_join_padding`` leaves both, since the token next to the lone bracket holds another
    bracket. A token that is only closed groups of values and an opening bracket (``[``,
    ``[<*>][``) is joined to the next token when that one starts with a value and closes
    the bracket, its own further groups of values (and an opening one, or a word glued
    after the last, as Unreal's ``[<*>][ 61]LogNet:``) kept; so the run is one token
    whatever its fields' widths. Groups of words (``[ cut here ]``) are left alone."""
    out: list[str] = []
    for t in toks:
        if out and _CHAIN_PIECE.match(t) and _CHAIN_HEAD.match(out[-1]):
            out[-1] += t
        else:
            out.append(t)
    return out


_UNIT_CLOSE = re.compile(r"^[A-Za-z]{1,3}\)[,;:.]?$")
_UNIT_WORD = re.compile(r"^[A-Za-z]{1,12}$")


def _drop_conversions(toks: list[str]) -> list[str]:
    """A quantity restated in a bracket in another unit ("1052 bytes (1.0 KB) sent",
    Proxifier, rsync, curl): the bracket is a second printing of the value before it, shown
    only above some size. It is left out of the tokens (its trailing punctuation stays), so
    that the statement has one token count with and without it. Only "(<number> <unit>)"
    right after "<number> <unit word>"."""
    out: list[str] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if (
            t == "(" + VAR and i + 1 < n and len(out) >= 2 and out[-2] == VAR
            and _UNIT_WORD.match(out[-1]) is not None and _UNIT_CLOSE.match(toks[i + 1]) is not None
        ):
            tail = toks[i + 1].rstrip(_TRAIL)
            out[-1] += toks[i + 1][len(tail):]
            i += 2
            continue
        out.append(t)
        i += 1
    return out


def _collapse_lists(toks: list[str], run: int) -> list[str]:
    """A run of ``run`` or more variable tokens is a list of values: one variable."""
    out: list[str] = []
    k = 0  # variables at the end of out
    for tok in toks:
        if tok == VAR:
            k += 1
        else:
            if k >= run:
                del out[len(out) - k + 1 :]
            k = 0
        out.append(tok)
    if k >= run:
        del out[len(out) - k + 1 :]
    return out


_RECORD_FIELDS = 8
# the text of a record's message field: words of the message, never one more field value
_MESSAGE_FIELD = re.compile(r'^"?(?:msg|message)"?[=:]')
_QUOTES = "\"'`"
_TRAIL = ",;:."
# an identifier whose parts are joined by "-", "_" or "/" and hold no capital after
# the first letter: "istio-proxy", "users_pkey", "kube-system/coredns", "orders-<*>"
_JOINED = re.compile(r"^[a-z][a-z0-9]*(?:[-_/](?:[a-z0-9]+|<\*>))+~?$")
# a lower-case name with one extension: unit and file names ("kubelet.service",
# "app.js"); dotted keys of three or more parts ("mapred.task.id") stay keywords
_DOTTED = re.compile(r"^[a-z][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+$")
# what loggers print for an empty field (access lines: remote user, referer)
_EMPTY = frozenset({"-", '"-"'})
# enum constants as programs print them: READY, UP_FOR_RETRY, OutOfSync, PutObject; no
# digits: IPV4 / IPV6, HTTP2, TLS13 name protocol variants that messages keep apart
_ENUM = re.compile(r"^(?:[A-Z]+(?:_[A-Z]+)*|[A-Z][a-z]+(?:[A-Z][a-z]*)+)$")
_CAPS_LABEL = re.compile(r"^[A-Z]{1,6}:$")
_NAME_EDGES = "\"'`([{<>}]),;:."


def _value_name(tok: str) -> str | None:
    """The name a token prints, without enclosing brackets, quotes and trailing punctuation
    ("(ruby)," -> "ruby", "<meet.acme.io>" -> "meet.acme.io"), when it holds a letter and no
    variable: how a value is known in the value vocabulary wherever it is printed."""
    if VAR in tok:
        return None
    name = tok.strip(_NAME_EDGES)
    if not any(ch.isalpha() for ch in name):
        return None
    return name


_KINDS = frozenset(
    {"user", "queue", "topic", "group", "container", "node", "pod", "namespace", "database", "db", "table",
     "bucket", "principal", "host", "tenant", "account", "cluster", "index", "job", "app",
     "application", "volume", "image", "role", "realm", "zone", "region", "partition", "stream"}
)
# one word alone in brackets or parentheses: "(badmin1)", "[LNKE]"
_BRACKETED = re.compile(r"^(?:\[[A-Za-z][^\s\[\]()]*\]|\([A-Za-z][^\s\[\]()]*\))[,.:;]?$")


def _bracketed_name(word: str) -> bool:
    """One identifier alone in brackets ("(badmin1)", "[LNKE]"): a name, not a plain word
    ("(usable)" / "(reserved)" are kept apart)."""
    if _BRACKETED.match(word) is None:
        return False
    inner = word.rstrip(",.:;")[1:-1]
    if word[:1] == "[" and inner.islower() and inner.isascii():
        return True  # a component or plugin name in square brackets ("[jwt]", "[rate-limiting]")
    return any(ch.isdigit() for ch in inner) or (inner.isupper() and len(inner) >= 2)


# one word of letters alone in square brackets ("[RTSP]", "[webrtc]", "[Api]")
_SQUARE_LETTERS = re.compile(r"^\[[A-Za-z]+\]:?$")


def _component_after_level(tokens: tuple[str, ...], pos: int, words: tuple[str, ...]) -> bool:
    """Whether the words at ``pos`` are words of letters alone in square brackets right after
    a level word ("INF [RTSP]" / "INF [WebRTC]"): the program's parts that log, not values."""
    if pos == 0 or not all(_SQUARE_LETTERS.match(w) for w in words):
        return False
    return _level_token(tokens[pos - 1])


# a logger's name as a header prints it after the level: lower-case parts joined by ".", "-" or "_"
_LOGGER_WORD = re.compile(r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$")


def _bare_level(tok: str) -> bool:
    """A severity printed as a column of its own ("INFO", "warn"), no label (pgBackRest's
    "INFO: backup command begin", where the next word is the command's name, an argument)."""
    return tok.isalpha() and tok.lower() in _SEVERITY_NAMES


def _head_after_level(tokens: tuple[str, ...], pos: int, words: tuple[str, ...]) -> bool:
    """Whether the words at ``pos`` are lower-case words of letters that open the message
    right after a bare level word, or after it and a logger's name ("INFO records apply
    chaos" / "INFO records recover chaos"): a part of the program or a statement's verb. A
    word followed by a token ending in ":" is one more header field before the logger's name
    (Odoo's database in "INFO shop odoo.addons.base.models.ir_cron: Job ..."), a value."""
    if pos == 0 or pos + 1 >= len(tokens) or tokens[pos + 1].endswith(":"):
        return False
    if not all(w.isalpha() and w.islower() for w in words):
        return False
    if _bare_level(tokens[pos - 1]):
        return True
    return pos >= 2 and _bare_level(tokens[pos - 2]) and _LOGGER_WORD.match(tokens[pos - 1]) is not None


# one word alone in square brackets, any case ("[Up]", "[Exiting]")
_SQUARE_WORD = re.compile(r"^\[[A-Za-z][A-Za-z0-9_]*\][,.;:]?$")
# an upper-case code in quotes ('"X"', '"TS_ORDERS_IDX"', "'USERSPACE1'")
_QUOTED_CODE = re.compile(r"""^(["'])[A-Z][A-Z0-9_]*\1[,.;:)]?$""")


# a plain lower-case word closing round brackets ("edge)", "none),")
_ASIDE_LAST = re.compile(r"^[a-z][a-z-]*\)[,.;]?$")


def _aside_last_word(tokens: tuple[str, ...], pos: int, words: tuple[str, ...]) -> bool:
    """Whether the words at ``pos`` close a parenthesised aside that a word before them
    opened ("(Sensor edge)" / "(Sensor memory)", "(ICE Full mode, controlled)"): the aside's
    first words name what its last word is, one value of it (pass 37g). A word alone in round
    brackets is no such aside, and an aside followed by ":" or "=" labels what follows
    ("Time (start): <*>" / "(end):")."""
    if pos == 0 or not all(_ASIDE_LAST.match(w) for w in words):
        return False
    if pos + 1 < len(tokens) and tokens[pos + 1] in ("=", ":"):
        return False
    for tok in reversed(tokens[:pos]):
        if ")" in tok:
            return False
        if tok.startswith("("):
            return True
    return False


# the label of a "label value," field: one plain lower-case word ("exe", "syscall", "dst_port")
_LIST_LABEL = re.compile(r"^[a-z][a-z0-9_-]*$")
# a list of such fields shows itself by this many of them
_LISTED_FIELDS = 3


def _list_field_at(tokens: tuple[str, ...], p: int) -> bool:
    """Whether ``p`` holds the value of a "label value" field of a comma-separated list: a
    plain lower-case label before it, and a comma closing it or closing the field before."""
    if p < 1 or p >= len(tokens) or _LIST_LABEL.match(tokens[p - 1]) is None:
        return False
    return tokens[p].endswith(",") or (p >= 2 and tokens[p - 2].endswith(",") and _list_field_at(tokens, p - 2))


def _listed_field_value(tokens: tuple[str, ...], pos: int, words: tuple[str, ...], capitals: bool) -> bool:
    """Whether the words at ``pos`` are the value of one field of a comma-separated list of
    "label value" fields ("sandbox <*>, name mail, exe mail, syscall open, path <*>"): a list
    of at least _LISTED_FIELDS fields, joined by their commas, another of which prints a bare
    value; the program prints its fields there, and a field's word is its label's value, as
    after "label:" (_valued_separator; pass 38f). Each word keeps the field's shape (a comma
    where the template has one); a word holding ":" or "=", a capitalised word (a sentence's
    verb) or a keyword pair stays apart."""
    if not _list_field_at(tokens, pos):
        return False
    comma = tokens[pos].endswith(",")
    for w in words:
        body = w[:-1] if comma else w
        if w.endswith(",") != comma or not body or VAR in body or any(ch in body for ch in ":=,()[]{}\"'"):
            return False
        if _TITLE.match(body) is not None or body.isupper():
            return False
    bodies = [w.rstrip(",") for w in words]
    if any(_statement_keywords(a, t, capitals) for a, t in pairwise(bodies)):
        return False
    # the fields of the list around pos, two tokens apart, joined by their commas
    fields = [pos]
    p = pos
    while p - 2 >= 1 and tokens[p - 2].endswith(",") and _LIST_LABEL.match(tokens[p - 3] if p >= 3 else "") is not None:
        p -= 2
        fields.append(p)
    p = pos
    while tokens[p].endswith(",") and p + 2 < len(tokens) and _LIST_LABEL.match(tokens[p + 1]) is not None:
        p += 2
        fields.append(p)
    if len(fields) < _LISTED_FIELDS:
        return False
    return any(tokens[f].rstrip(",") == VAR for f in fields if f != pos)


def _enclosed_value(word: str) -> bool:
    """A word that the program framed as a printed argument: alone in square brackets
    ("moving node [<*>] to [Up]" / "[Exiting]"), which frame values where round ones as
    often hold a remark ("(usable)" / "(reserved)"), or an upper-case code in quotes
    ('lock intent "X"' / '"S"'), where a quoted capitalised word is as often a title."""
    return _SQUARE_WORD.match(word) is not None or _QUOTED_CODE.match(word) is not None


_DIGITS = re.compile(r"[0-9]+")


def _numbered_names(words: tuple[str, ...]) -> bool:
    """Different words that are one name with different numbers ("ARC0" / "ARC3", "IRQ0" /
    "IRQ9", "eth0:" / "eth1:"): numbered instances of one thing (processes, interrupts,
    interfaces), which a program names by an argument, never by a statement of its own."""
    shapes = {_DIGITS.sub("#", w) for w in words}
    if len(shapes) != 1 or len(set(words)) < 2:
        return False
    shape = next(iter(shapes))
    k = shape.find("#")
    return k > 0 and shape[:k].isalpha() and VAR not in shape


# a code as programs print it: capitals and digits, a capital first ("A", "AAAA", "TXT", "LOG")
_UPPER_CODE = re.compile(r"^[A-Z][A-Z0-9]*$")
# a keyword of a command language: capitals only ("IN", "BACKUP", "ALTER")
_UPPER_KEYWORD = re.compile(r"^[A-Z]{2,}$")


def _code_after_keyword(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """Upper-case codes right after an upper-case keyword, inside a message written in other
    case ("query: <*> IN A +E" / "IN MX", "BACKUP DATABASE" / "BACKUP LOG"): a command
    echoed with its argument, a record type, an object kind. A plain capitalised word or a
    word with punctuation is not a code, and a keyword that opens the line names the
    statement, so the message must hold a lower-case word as well."""
    if i == 0 or _UPPER_KEYWORD.match(tokens[i - 1]) is None:
        return False
    if not all(_UPPER_CODE.match(w) for w in words):
        return False
    return any(t.islower() for t in tokens)


# a CamelCase name of two words or more, split at its capitals ("OrderServiceApplication")
_CAMEL_HUMP = re.compile(r"[A-Z][a-z0-9]+")
_CAMEL_NAME = re.compile(r"^(?:[A-Z][a-z0-9]+){2,}$")


def _names_of_one_kind(words: tuple[str, ...]) -> bool:
    """CamelCase names that end in the same word and differ before it ("Started
    GatewayApplication in" / "InventoryApplication", "NullPointerException" /
    "IllegalStateException"): the shared last word is the kind, the rest the name a program
    gave one of its classes or services. Keyword variants of one statement share their head
    instead ("EventMemberJoin" / "EventMemberFailed")."""
    if not all(_CAMEL_NAME.match(w) for w in words):
        return False
    humps = [_CAMEL_HUMP.findall(w) for w in words]
    return len({h[-1] for h in humps}) == 1 and len({h[0] for h in humps}) == len(set(words))


# a name of several parts in one case joined by "_" ("FORMAT_ERROR"), or a qualified name
# joined by "::" ("Invoice::validate"): the parts before the last separator, then the
# separator and the last part. Not a name of mixed case joined by "_" ("ulsch_DTX" /
# "pucch0_DTX": two channels' counters of one statement), not "." (a package's class)
_JOINED_NAME = re.compile(
    r"^(?:([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(_[A-Z][A-Z0-9]*)|([A-Za-z][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)(::_?[A-Za-z][A-Za-z0-9]*))$"
)


def _names_of_one_tail(words: tuple[str, ...]) -> bool:
    """Joined names that end in the same part and differ in the parts before it ("with error
    FORMAT_ERROR" / "VALIDATION_ERROR", "Invoice::validate" / "Order::validate"): the shared
    last part is the kind of thing or the method, the head the name of one such thing, as the
    shared last word of CamelCase names (_names_of_one_kind). Names that share their head and
    differ in their last part ("Device::start" / "Device::stop", "SESSION_OPEN" /
    "SESSION_CLOSE") are keyword variants of one thing, and are left alone (pass 29b)."""
    heads = set()
    tails = set()
    for w in words:
        m = _JOINED_NAME.match(w.rstrip(_TRAIL))
        if m is None:
            return False
        head, tail = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if sum(ch.isalpha() for ch in tail) < 3:
            return False
        heads.add(head)
        tails.add(tail)
    return len(tails) == 1 and len(heads) == len(set(words))


# an identifier in lowerCamelCase: two lower-case letters or more, then capitalised parts,
# each with a lower-case letter or digit ("keyCompromise", "caECServerCert"; not "gNBs")
_LOWER_CAMEL = re.compile(r"^[a-z]{2,}(?:[A-Z]+[a-z0-9]+)+$")
_KEY_SEPARATORS = frozenset({"=", ":", "=>", ":=", "->"})


def _camel_name_after_word(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """Names in lowerCamelCase right after a lower-case word of the sentence ("with reason
    keyCompromise" / "cessationOfOperation" / "superseded"): a sentence's own wording has no
    capital inside a word, so such a name is an identifier the program printed, the argument
    of the word before it; plain lower-case words beside it are more of its values. One
    camel-case name at least, every other word lower-case letters only. A name before a lone
    "=" or ":" is a key ("main strSendMsg = ..." / "isUndetectWithCommand = ..."): which field
    is printed is the statement."""
    if i == 0 or (i + 1 < len(tokens) and tokens[i + 1] in _KEY_SEPARATORS):
        return False
    prev = tokens[i - 1]
    if not (prev.isalpha() and prev.islower()):
        return False
    names = [w.rstrip(_TRAIL) for w in words]
    if not all(_LOWER_CAMEL.match(n) is not None or (n.isalpha() and n.islower()) for n in names):
        return False
    return any(_LOWER_CAMEL.match(n) is not None for n in names)


def _transition_state(tokens: tuple[str, ...], i: int) -> bool:
    """Whether the word at ``i`` is a state of a change printed without brackets ("Transitioned
    from FAIL_CONTAINER_CLEANUP to FAIL_TASK_CLEANUP"): which change happened is the statement
    (Loghub Hadoop's ground truth), as _preposition_object leaves "from NEW to SCHEDULED" alone."""
    before = tokens[i - 1] if i > 0 else ""
    return (before == "from" and i + 1 < len(tokens) and tokens[i + 1] == "to") or (
        before == "to" and i >= 3 and tokens[i - 3] == "from"
    )


def _count_nouns(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """A noun right after a number, printed singular or plural ("with <*> track" / "<*>
    tracks", "1 event" / "3 events"): the program picks the ending by the count, so the two
    lines are one statement. Only after a value: elsewhere a plural names another thing."""
    if i == 0 or tokens[i - 1] != VAR:
        return False
    cores = {w.rstrip(_TRAIL + ")]}").lower() for w in words}
    if len(cores) != 2 or not all(c.isalpha() for c in cores):
        return False
    short, long_ = sorted(cores, key=len)
    return long_ in (short + "s", short + "es")


# a label in code's case: letters and digits, a letter first, before one ":"
_CODE_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9]*:$")
# a camel hump: a lower-case letter, then a capital ("smoothSolver", "BiCGStab")
_HUMP = re.compile(r"[a-z][A-Z]")


def _code_case_label(word: str) -> bool:
    """A label whose name is written in code's case: a camel hump ("smoothSolver:",
    "DILUPBiCGStab:") or two capitals or more ("GAMG:"), never a severity name ("ERROR:")."""
    if _CODE_LABEL.match(word) is None:
        return False
    name = word[:-1]
    if name.lower() in _SEVERITY_NAMES:
        return False
    return _HUMP.search(name) is not None or (name.isupper() and sum(ch.isalpha() for ch in name) >= 2)


def _reporter_labels(tokens: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """First words that are labels in code's case ("smoothSolver:" / "GAMG:") before a
    statement of three words or more that prints three values or more ("Solving for <*>,
    Initial residual = <*>, Final residual = <*>, No Iterations <*>"): one report that a
    shared routine prints for each part it runs, the part's name an argument of its format
    ("%s: Solving for %s, ..."). A statement with fewer values is more often a caller's own
    message, its name the statement's ("getTasks: caller <*> does not hold ..."); plain
    words ("Checks:" / "Transferred:") and severity names ("WARNING:") are labels."""
    if not all(_code_case_label(w) for w in words):
        return False
    rest = tokens[1:]
    values = sum(1 for t in rest if VAR in t)
    plain = sum(1 for t in rest if VAR not in t and any(ch.isalpha() for ch in t))
    return values >= 3 and plain >= 3


def _valued_context(tokens: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """First words that open a square bracket a later token holding a value closes ("[hls @
    <*>] Opening" / "[dash @ <*>]", "[main <*>]"): a context the program prints before its
    message, the name of an object and its address or a thread and its number, not the
    statement's first word."""
    if not all(w[:1] == "[" and w[1:2].isalpha() and "]" not in w for w in words):
        return False
    for tok in tokens[1:4]:
        if "]" in tok or "[" in tok:
            return "]" in tok and VAR in tok and "[" not in tok
    return False


# a quoted name labelling what follows ("'Motion':", '"BillingDS":')
_QUOTED_LABEL = re.compile(r"""^(["'])[A-Za-z][\w.-]*\1:$""")
# capitalised words joined by "_" with a lower-case letter ("Raw_Read_Error_Rate",
# "Hardware_ECC_Recovered"); constants in capitals ("SCREEN_ON") and code names
# ("itemasync_SetProperty") are not
_TITLE_SNAKE = re.compile(r"^[A-Z][A-Za-z0-9]*(?:_[A-Z][A-Za-z0-9]*)+$")
# a string in Erlang's binary brackets ('<<"fleet-ingest">>')
_BINARY_STRING = re.compile(r'^<<"[^"\s]+">>[,.;:]?$')


def _given_names(words: tuple[str, ...]) -> bool:
    """Names a user or a configuration gave, by where or how the program prints them: a
    quoted name labelling the message ("'Motion': Sending state" / "'Door':": the format's
    "'%s':"), capitalised words joined by "_" (SMART's "Raw_Read_Error_Rate" /
    "Seek_Error_Rate", openHAB's item names: data names, where code prints its own in lower
    case or capitals), or, as one word among them, an Erlang binary string
    ('<<"plant-sensors">>' / "undefined")."""
    if all(_QUOTED_LABEL.match(w) for w in words):
        return True
    if all(_TITLE_SNAKE.match(w.rstrip(_TRAIL)) and any(ch.islower() for ch in w) for w in words):
        return True
    return any(_BINARY_STRING.match(w) for w in words)


def _shared_ends(a: str, t: str) -> tuple[int, int]:
    """The lengths of two tokens' common prefix and of their common suffix after it."""
    k = 0
    while k < min(len(a), len(t)) and a[k] == t[k]:
        k += 1
    m = 0
    while m < min(len(a), len(t)) - k and a[-1 - m] == t[-1 - m]:
        m += 1
    return k, m


def _changed_part(a: str, t: str) -> tuple[str, str]:
    """The parts of two tokens left once their common prefix and suffix are cut."""
    k, m = _shared_ends(a, t)
    return a[k : len(a) - m], t[k : len(t) - m]


# a name, not a plain word: digits, a joint ("-", "_", ".", "/") or CamelCase
_NAME_PART = re.compile(r"^(?=.*[A-Za-z])(?:.*[0-9_./-].*|.*[a-z][A-Z].*)$")


_JSON_ESCAPE = re.compile(r"\\([\\/\"])")
# the components of a qualified name ("org.example.plugin.sign.SignPlugin", "public.roads",
# "App\\Jobs\\SendMail", "flow.billing"): words joined by ".", "/", "\\" or "::"
_NAME_JOINT = re.compile(r"(?<=\w)(?:\.|/|\\+|::)(?=\w)")
_PLAIN_NAME = re.compile(r"^[A-Za-z][\w-]{2,}$")
# what encloses or ends a qualified name in a token ("[org.acme.SignPlugin],", "'public.roads'");
# not _NAME_EDGES, which takes "`" and ">" off too
_QUALIFIED_EDGES = _TRAIL + _LEAD + ")]}\"'"


def _unescaped(tok: str) -> str:
    """A token as it reads outside a JSON string ("\\\\" for "\\", "\\/" for "/")."""
    return _JSON_ESCAPE.sub(r"\1", tok) if "\\" in tok else tok


def _name_words(core: str) -> list[str]:
    """The words of a name whose enclosing brackets and quotes are off (_QUALIFIED_EDGES), in order."""
    return [w for w in re.split(r"[^\w-]+", core) if w]


def _components(tok: str) -> frozenset[str]:
    """The words of a qualified name in a token (empty unless it joins two words or more)."""
    core = tok.strip(_QUALIFIED_EDGES)
    if _NAME_JOINT.search(core) is None:
        return frozenset()
    return frozenset(_name_words(core))


def _changed_words(a: str, t: str) -> tuple[str, str]:
    """The parts of two tokens that differ, widened on each side to the whole word they lie
    in ("buildings" / "basemap", not "uildings" / "asemap"; "sign" of "plugin:[sign]")."""
    k, m = _shared_ends(a, t)

    def widen(x: str) -> str:
        lo, hi = k, len(x) - m
        while lo > 0 and (x[lo - 1].isalnum() or x[lo - 1] in "_-"):
            lo -= 1
        while hi < len(x) and (x[hi].isalnum() or x[hi] in "_-"):
            hi += 1
        return x[lo:hi]

    return widen(a), widen(t)


def _name_forms(tpl: tuple[str, ...], line: tuple[str, ...], i: int) -> bool:
    """Token ``i`` differs from the template's by a name that another differing token prints
    in another form (pass 28c): escaped in a JSON string ("App\\Jobs\\SendMail" /
    "App\\\\Jobs\\\\SendMail"), or as one component of a qualified name, the two changing
    together ("[sign]" ... "plugin.sign.SignPlugin" / "[waf]" ... "plugin.waf.WafPlugin"): a
    plain word there is a component of the name on each side, and not of the other side's."""
    plain = _changed_part(_unescaped(tpl[i]), _unescaped(line[i]))
    part = _changed_words(tpl[i], line[i])
    # a qualified name may hold a variable among its components ("flow.billing.<*>"): the
    # name printed again elsewhere is still one of its words
    mine = (_components(tpl[i]), _components(line[i]))
    for k in range(len(tpl)):
        if k == i or tpl[k] == line[k]:
            continue
        if (
            "\\" in tpl[i] + line[i] + tpl[k] + line[k]
            and plain == _changed_part(_unescaped(tpl[k]), _unescaped(line[k]))
            and VAR not in plain[0] + plain[1]
            and all(len(x) >= 3 and (_NAME_PART.match(x) or _NAME_JOINT.search(x)) for x in plain)
        ):
            return True
        other = _changed_words(tpl[k], line[k])
        if any(t.endswith(":") for t in (tpl[i], line[i], tpl[k], line[k])):
            # a label ("Fetcher:" after the logger "fetcher.Fetcher") names what follows: a
            # program naming its own part, not an argument printed twice
            continue
        if all(_PLAIN_NAME.match(x) for x in part):
            # this token's part is a plain word: the other token is the qualified name
            names = (_components(tpl[k]), _components(line[k]))
            words, quals = part, (tpl[k], line[k])
        elif all(_PLAIN_NAME.match(x) for x in other) and all(mine):
            names, words, quals = mine, other, (tpl[i], line[i])
        else:
            continue
        if (
            all(names)
            and words[0] in names[0] and words[1] in names[1]
            and words[0] not in names[1] and words[1] not in names[0]
            and not any(_class_name(w, q) for w, q in zip(words, quals, strict=True))
        ):
            return True
    return False


# a quote opening a token ("\"Notify", "('Delivery", "[\"a"): the quote, escaped or not,
# and no other quote in the token; one closing a token ("Slack\"", "Note',", "site\")")
_OPENS_QUOTE = re.compile(r"""^[(\[{]?(\\?["'])[^"'\\]*$""")
_CLOSES_QUOTE = re.compile(r"""^[^"'\\]*(\\?["'])[)\]},.;:]*$""")
_QUOTED_RUN = 8


def _quoted_run_around(tokens: tuple[str, ...], lo: int, hi: int) -> tuple[int, int] | None:
    """The bounds of the quoted text of several tokens that holds positions ``lo`` to ``hi``:
    a token opening a quote, tokens with no quote, a token closing the same quote."""
    j = lo
    while j >= 0 and j > hi - _QUOTED_RUN:
        m = _OPENS_QUOTE.match(tokens[j])
        if m is not None:
            break
        if any(q in tokens[j] for q in "\"'"):
            return None
        j -= 1
    else:
        return None
    if j < 1 or _json_key(tokens[j - 1]):
        return None  # the whole message quoted, or a JSON string field's value: no argument of it
    quote = m.group(1)
    for k in range(j + 1, min(len(tokens), j + _QUOTED_RUN)):
        c = _CLOSES_QUOTE.match(tokens[k])
        if c is not None:
            return (j, k) if c.group(1) == quote and k >= hi else None
        if any(q in tokens[k] for q in "\"'"):
            return None
    return None


def _whole_quoted_value(tokens: tuple[str, ...], lo: int, hi: int) -> tuple[str, ...]:
    """The tokens with the quoted text from ``lo`` to ``hi`` made one value at each of its
    tokens: the quotes and what stands outside them stay ("('<*> <*>'," from "('Delivery
    Note',"), a word its texts shared inside them goes ("'<*> <*> <*>'" from "'<*> <*> Task'")."""
    out = list(tokens)
    m, c = _OPENS_QUOTE.match(out[lo]), _CLOSES_QUOTE.match(out[hi])
    if m is None or c is None:
        return tokens
    out[lo] = out[lo][: m.end(1)] + VAR
    out[hi] = VAR + out[hi][c.start(1) :]
    for p in range(lo + 1, hi):
        out[p] = VAR
    return tuple(out)


def _one_quoted_text_at(tpl: tuple[str, ...], line: tuple[str, ...], words: list[int]) -> bool:
    """Every differing word lies inside one quoted text of several tokens, the same on the
    template and the line ("Webhook \\"Notify Slack\\" (id: 4) failed" / "\\"Rebuild site\\"",
    "('Delivery Note', ..." / "('Payment Entry', ..."): the quotes delimit one argument of
    the statement, whatever its words (pass 29e; pass 24c's evidence at one length)."""
    lo, hi = min(words), max(words)
    run = _quoted_run_around(tpl, lo, hi)
    if run is None or run[0] == run[1] or run != _quoted_run_around(line, lo, hi):
        return False
    if any(tpl[p] == line[p] for p in range(run[0], run[1] + 1)):
        # two texts that share a word at its place are sentences of a statement's own (or a
        # value inside one, the one-word path's): a name printed in quotes changes whole
        return False
    if any(
        a != t and _merge_token(a, t) != a
        for p, (a, t) in enumerate(zip(tpl, line, strict=True)) if not run[0] <= p <= run[1]
    ):
        return False  # the line differs from the template outside the quotes as well
    # the statement's own words stand outside the quotes: a quoted text after a header of
    # fields alone is the message itself (TiKV's '[INFO] [peer.rs:1141] ["peer destroy itself"]'),
    # and so is one after a header's bracketed group, level word and logger ("[10:00:01 UTC
    # DEBG ][ app.sync] - "Sync started now"")
    # and so is one a program prints beside other quoted texts only ('- "Guide star lost" "retrying"'):
    # a word alone, no level, outside the header and not the label right before the quotes
    header = _header_words(tpl, run[0] - 1)
    after = tpl[run[1] + 1 :]
    if not _own_word(tuple(x for i, x in enumerate(tpl[: run[0] - 1]) if i not in header) + after):
        return False
    # ... and after them: a quoted text that ends the message, fields at most after it, is
    # where a program prints a title or a command of any length ('Page published: "<*>"
    # pk=<*>', "executed 'write memory'"), which the rules for values of another length take
    # whole (passes 24c, 26c); fixed here at its token count, it would keep those apart
    return _own_word(after)


def _class_name(word: str, qualified: str) -> bool:
    """A capitalised word that is the last component of the qualified name beside it
    ("Fetcher" of "fetcher.Fetcher"): the simple name of the class that logs the line, the
    program naming its own part (which names the statement, as a logger's source does), not
    an argument printed twice."""
    parts = _name_words(qualified.strip(_QUALIFIED_EDGES))
    return word[:1].isupper() and bool(parts) and parts[-1] == word


def _repeated_value(
    tpl: tuple[str, ...], line: tuple[str, ...], i: int, whole: bool = False, forms: bool = False
) -> bool:
    """Token ``i`` differs from the template's by the same names as another token of the line
    does ("(com.acme.ModbusBridge-lifecycle)" and "serviceName=com.acme.ModbusBridge," against
    "SensorReader"): one argument the format prints twice. Only names (digits, joints or
    CamelCase): a plain word repeated ("ifup ... up" / "ifdown ... down") is a keyword variant.
    With ``whole``, a name whose shared end the cut took ("wlan0" / "eth0": the parts "wlan" /
    "eth" lost the "0" they share) is judged by the two whole tokens (pass 25d)."""
    part = _changed_part(tpl[i], line[i])
    old, new = part
    if forms and _name_forms(tpl, line, i):
        return True
    if VAR in old + new:
        return False
    if not all(len(x) >= 3 and _NAME_PART.match(x) for x in part) and not (
        whole
        and all(len(x) >= 3 for x in part)
        and all(_NAME_PART.match(t.strip(_TRAIL + _LEAD + ")]}")) for t in (tpl[i], line[i]))
    ):
        return False
    return any(k != i and tpl[k] != line[k] and _changed_part(tpl[k], line[k]) == part for k in range(len(tpl)))


_ARROWS = frozenset({"->", "=>", "-->"})
_STATE_WORD = re.compile(r"^[A-Za-z][\w-]*$")


def _bracketed_transition(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """Words that are the old or the new state of a change printed in brackets ("(home ->
    searching)" / "(idle -> searching)": ModemManager's registration state): a program prints
    a transition as two values around an arrow. Outside brackets an arrow as often separates
    a function from a level ("Validate -> INFO"), so only a bracketed pair counts."""
    n = len(tokens)
    if i > 0 and i + 1 < n and tokens[i + 1] in _ARROWS:
        # "(old" before the arrow, the new state closing the bracket after it
        if i + 2 < n and tokens[i + 2].endswith(")") and "(" not in tokens[i + 2]:
            return all(w[:1] == "(" and _STATE_WORD.match(w[1:]) for w in words)
        return False
    if i >= 2 and tokens[i - 1] in _ARROWS and tokens[i - 2][:1] == "(" and ")" not in tokens[i - 2]:
        return all(w.endswith(")") and _STATE_WORD.match(w[:-1]) for w in words)
    return False


# prepositions and articles that open a noun phrase: the word after them names a thing
# (a database, a mode, a frame type, an interface). "to" (an infinitive: "to spawn" / "to
# destroy") and "as" (a role or a form: "as bytes" / "as values") are left out
_PREPOSITIONS = frozenset(
    ("on", "in", "at", "from", "of", "by", "for", "with", "via", "into", "onto", "over", "through",
     "within", "under", "per", "the", "a", "an")
)
# the prepositions of _PREPOSITIONS that no format prints as a value (not the articles, not
# "on", "over" or "per", which name states and units: "power on", "game over")
_FUNCTION_WORDS = _PREPOSITIONS - frozenset(("on", "over", "per", "the", "a", "an"))


def _preposition_at_value(a: str, t: str) -> bool:
    """One of two tokens at one position is a preposition and the other holds a masked value
    ("with" / "rootfs.<*>"): the statements' words stand at different places, so the lines
    are two statements, whichever other evidence would vouch for values there."""
    return (a in _FUNCTION_WORDS and VAR in t) or (t in _FUNCTION_WORDS and VAR in a)


# the suffixes of verb forms: a participle or a gerund says what happened ("for reading" /
# "for writing"), not which thing
_VERB_FORM = re.compile(r"(?:ed|ing|en)$")


# a noun in the plural: a letter other than "s", "u" or "i" before a final "s" ("sessions",
# "UEs", "gNBs"; not "status", "address", "redis")
_PLURAL = re.compile(r"[a-rtvwxyz]s$")


def _object_core(word: str) -> str:
    """The word without its punctuation, quotes and brackets, lower-cased."""
    return word.strip(_TRAIL + _QUOTES + "()[]{}").lower()


def _no_verb_forms(words: tuple[str, ...]) -> bool:
    """Every word is a word of its own (something left once its punctuation is stripped,
    no variable) and none a verb form ("cached", "failing", "taken"): what a statement acts on
    or with, not what happened."""
    for w in words:
        core = _object_core(w)
        if not core or VAR in w or _VERB_FORM.search(core) is not None:
            return False
    return True


def _preposition_object(
    tokens: tuple[str, ...], i: int, words: tuple[str, ...], plural_kinds: bool = False
) -> bool:
    """Words right after a preposition or an article are the object of the statement: a
    format prints the thing it acts on or where it happens after "on", "from", "of", "in",
    "the" ("authenticated as principal X on shop from client", "in I frame", "the ascii
    protocol"), while keyword variants (what happened: "Accepted" / "Failed", "started" /
    "stopped") are verbs and participles, which are left out (pass 23b)."""
    if i == 0 or i + 1 >= len(tokens) or tokens[i - 1] not in _PREPOSITIONS:
        # (a word ending the line may open a name of several words, "Caches are synced for
        # daemon sets": the tail's texts of any length are the span rules', which a template
        # made at one length first would keep from meeting them)
        return False
    if tokens[i - 1] == "from" and i + 2 < len(tokens) and tokens[i + 1] == "to":
        # "Transitioned from NEW to SCHEDULED": the old state of a change printed without
        # brackets, which change happened is the statement (as an arrow outside brackets is
        # left alone, _bracketed_transition)
        return False
    if not _no_verb_forms(words):
        return False
    plural = sum(_PLURAL.search(_object_core(w)) is not None for w in words)
    # nouns in the plural after a preposition name a kind of thing, not one thing ("Number of
    # sessions is now 3" / "Number of bearers ..."): which kind is counted or listed is the
    # statement's, while an argument names one instance ("on shop", "for root") (pass 24a)
    return not (plural_kinds and plural == len(words))


def _means_after_using(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """Words right after "using" ("Using tight encoding" / "ZRLE", "using composable
    templates" / "legacy", "Starting backup using rsync method" / "postgres"): the method, mode,
    protocol or driver the program chose, which its format prints with "%s"; the sentence around
    them is the statement. Verb forms are left out, as after a preposition: "using cached" /
    "using downloaded" say what happened."""
    return i > 0 and tokens[i - 1].lower() == "using" and _no_verb_forms(words)


def _forms_after_as(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """Three or more different words right after "as" ("Processing by <*> as JSON" / "HTML" /
    "*/*", "for <*> as alice" / "bob" / "svc"): the form, format or role the statement prints
    its subject in, which its format fills with "%s", at the line's end too. A pair there can
    be a statement's two outcomes ("Marking <*> as 'up'" / "'down'"); a third word is what a
    field does and a pair of markers does not. Nouns all in the plural ("stored as bytes" /
    "values": a kind) and a statement's keyword pairs (a success and a failure word, a word and
    its negation) are left out, as after a preposition (_preposition_object, which leaves "as"
    out)."""
    if i == 0 or tokens[i - 1].lower() != "as" or len(set(words)) < 3:
        return False
    cores = [_object_core(w) for w in words]
    if not all(cores) or any(VAR in w for w in words) or all(_PLURAL.search(c) is not None for c in cores):
        return False
    return not any(_statement_keywords(a, t) for a, t in combinations(sorted(set(words)), 2))


_DOTTED_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+$")


def _names_under_one_dotted_qualifier(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """Whether the different words are dotted names under one qualifier that ends at a "."
    ("acme.State.Host.Off" / "acme.State.Host.Running", "environment.current" /
    "environment.wind.speed") after a lower-case word of the sentence: members of one enum or
    one tree of names that the format prints as an argument. Not a name ending in ":" (a
    method or logger labelling the text after it), not constants in capitals (Android's
    "android.intent.action.SCREEN_ON" / "SCREEN_OFF" name their events), and not where no
    word of the sentence stands before (a logger or a setting's name opening the message)."""
    if not any(len(t) >= 2 and t.isalpha() and t.islower() and t not in _LEVEL_WORDS for t in tokens[:i]):
        return False
    names = []
    for w in words:
        if w.endswith(":"):
            return False
        name = w.rstrip(",;.")
        if _DOTTED_PATH.match(name) is None:
            return False
        names.append(name)
    common = _prefix(names)
    qualifier = common[: common.rfind(".") + 1]
    if not any(ch.isalpha() for ch in qualifier):
        return False
    tails = [n[len(qualifier):] for n in names]
    return len(set(tails)) == len(tails) and not any(t.rsplit(".", 1)[-1].isupper() for t in tails)


def _argument_name(x: str) -> bool:
    # a code or a name ("A", "HTTPS", "eth0", "br-lan"), not a plain word: "WWEN[enable]" /
    # "WWEN[disable]" are keyword variants (Mac's ground truth keeps them apart)
    return any(ch.isdigit() for ch in x) or x.isupper() or any(ch in "-_./" for ch in x)


def _prefix(words: list[str]) -> str:
    """Longest common prefix of strings, character by character."""
    first = min(words, key=len)
    for i, ch in enumerate(first):
        if any(w[i] != ch for w in words):
            return first[:i]
    return first


def _argument_frame(words: tuple[str, ...] | list[str]) -> tuple[str, str] | None:
    """(``query[``, ``]``) when the words differ only as a name glued into a fixed name's
    brackets (``query[A]`` / ``query[HTTPS]``, ``DHCPACK(eth0)`` / ``DHCPACK(br-lan)``)."""
    pre = _prefix(list(words))
    k = max(pre.rfind("["), pre.rfind("("))
    if k < 0:
        return None
    pre = pre[: k + 1]
    rest = [w[len(pre) :] for w in words]
    suf = _prefix([r[::-1] for r in rest])[::-1]
    j = min((suf.find(c) for c in ")]" if c in suf), default=-1)
    suf = suf[j:] if j >= 0 else ""
    inner = [r[: len(r) - len(suf)] for r in rest]
    if (
        sum(ch.isalpha() for ch in pre) >= 2
        and suf.startswith(_CLOSERS[pre[-1]])
        and VAR not in pre + suf
        and all(x and VAR not in x and _argument_name(x) for x in inner)
    ):
        return pre, suf
    return None


def _bracket_argument(words: tuple[str, ...], keyed_only: bool = False) -> bool:
    """Names that differ only as the argument glued to a fixed name (``query[A]`` /
    ``query[HTTPS]``: a call's or a field's argument), or only as a name glued to a fixed
    bracketed value (``alice(uid=<*>)`` / ``bob(uid=<*>)``): the differing part is a value.
    With ``keyed_only`` names in code's case need a bracket that names its value by a key:
    before a bare value (``ACK(<*>):`` / ``NACK(<*>):``) they are calls with an argument."""
    if _argument_frame(words) is not None:
        return True
    suf = _prefix([w[::-1] for w in words])[::-1]
    j = min((suf.find(c) for c in "([" if c in suf), default=-1)
    if j < 0:
        return False
    suf = suf[j:]
    inner = [w[: len(w) - len(suf)] for w in words]
    if keyed_only and not _keyed_bracket(suf) and all(_code_case(x) for x in inner):
        # names in code's case ("ACK" / "NACK", "getUser" / "getOrder") before a bare value are
        # calls; words there are values printed with their code ("up(1)", "Dial(...)")
        return False
    return VAR in suf and all(x and x.isalpha() for x in inner)


def _code_case(name: str) -> bool:
    """A name in capitals ("NACK") or with a capital after a lower-case letter ("getUser"),
    as code names a call; plain and capitalised words ("up", "Dial") are not."""
    return (len(name) >= 2 and name.isupper()) or any(a.islower() and b.isupper() for a, b in pairwise(name))


def _keyed_bracket(suf: str) -> bool:
    """Whether the bracket opening ``suf`` names its first value by a key ("(uid=<*>)",
    "[pid: <*>]")."""
    head = suf[1:].split(VAR, 1)[0].rstrip()
    return head[-1:] in ("=", ":") and any(ch.isalpha() for ch in head)


# units printed after a number
_UNITS = frozenset(
    {"B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "kB", "bytes", "ns", "us", "µs", "ms", "s",
     "sec", "secs", "seconds", "min", "mins", "minutes", "h", "hours", "%"}
)
_TITLE = re.compile(r"^[A-Z][a-z]{2,}$")
_PER = ("/s", "/sec", "/sec.", "/second", "ps")


# units of physical measures as sensors and meters print them
_MEASURES = frozenset(
    {"W", "kW", "mW", "Wh", "kWh", "V", "mV", "A", "mA", "Hz", "kHz", "MHz", "GHz", "dB", "dBm", "°C", "°F",
     "Pa", "hPa", "kPa", "lx", "rpm", "ppm", "RPM"}
)


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_DATE_NAMES = frozenset((*_DAYS, *_MONTHS, *(n[:3] for n in (*_DAYS, *_MONTHS)), "sept"))


def _date_names(words: tuple[str, ...]) -> bool:
    """Whether every word is a weekday's or a month's name, whole or cut to three letters,
    capitalised or in capitals ("WEDNESDAY," / "THURSDAY,", "Mon" / "Tue"): a part of a
    printed date. A lower-case word is left out ("may" is a verb, "sat" a participle)."""
    for w in words:
        core = w.strip(_TRAIL + _LEAD)
        if not core[:1].isupper() or core.lower() not in _DATE_NAMES:
            return False
    return True


def _measure_unit(word: str) -> bool:
    return word in _MEASURES


def _unit(word: str) -> bool:
    """A unit, or a rate of one ("MiB/sec.", "KB/s", "Mbps")."""
    if word in _UNITS:
        return True
    return any(word.endswith(p) and word[: -len(p)] in _UNITS for p in _PER)
# words after which a program prints a state, a status or a kind
_LABELS = frozenset({"now", "to", "as", "state", "status", "code", "phase", "mode", "reason", "type", "kind", "->", "=>"})


def _enum_shaped(word: str, letters: int = 3) -> bool:
    w = word.rstrip(_TRAIL).strip(_QUOTES).split("(", 1)[0]
    return sum(ch.isalpha() for ch in w) >= letters and _ENUM.match(w) is not None


# a program's syslog tag with its process id masked ("dhcpd[<*>]:", "postfix/smtpd[<*>]:")
_PROGRAM_TAG = re.compile(r"^[A-Za-z][\w./-]*\[<\*>\]:$")


# a program tag, its name as printed or taken by masking whole or in part ("sshd[<*>]:",
# "<*>[<*>]:", "relay-<*>[<*>]:")
_ANY_PROGRAM_TAG = re.compile(r"^(?:[\w./-]|<\*>)+\[<\*>\]:$")


# a program tag printed without a pid: a lower-case program name ending in ":" ("kernel:",
# "sudo:", "systemd-logind:")
_BARE_PROGRAM_TAG = re.compile(r"^[a-z][a-z0-9_.-]*:$")
# a host name as a syslog header prints it: lower-case letters, digits, "-" and "." ("stor-b")
_HOST_WORD = re.compile(r"^[a-z][a-z0-9.-]*$")
# a syslog header's time of day as masking leaves it ("05:14:25", "2026-12-03T05:14:25+00:00")
_MASKED_CLOCK = re.compile(r"^<\*>(?::<\*>){2,3}$")


def _bare_tag_header(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """``tpl[:p]`` is a syslog header whose program tag ``tpl[p - 1]`` has no pid: values
    alone ending in the time of day, one host word, then the tag ("<*>:<*>:<*> stor-b
    kernel:"), and neither run ``tpl[p:-s]`` / ``toks[p:-s]`` is one value alone nor opens
    with a record glued by "|": statements. The host reads as a word of the message and the
    tag as a plain label after it, but both are printed before every statement alike: such a
    run is the whole message (pass 39a). A message that is one value ("<*>") or a glued
    record ("bob|<*>|share|close|ok|...") is the program's data, not a statement, and is left
    to the span rules."""
    if p < 3 or p >= min(len(tpl), len(toks)) - s:
        return False
    tag, host = tpl[p - 1], tpl[p - 2]
    return (
        (VAR,) not in (tpl[p : len(tpl) - s], toks[p : len(toks) - s])
        and not _glued_record(tpl[p]) and not _glued_record(toks[p])
        and _BARE_PROGRAM_TAG.match(tag) is not None
        and not _reason_label(tag)
        and tag[:-1] not in _LEVEL_WORDS
        and _HOST_WORD.match(host) is not None
        and _MASKED_CLOCK.match(tpl[p - 3]) is not None
        and all(VAR in t for t in tpl[: p - 3])
    )


def _tag_host(tpl: tuple[str, ...], j: int) -> bool:
    """``tpl[j]`` is a syslog header's host name: one word right before a program tag, with
    nothing but values (the header's date and time) before it."""
    return (
        1 <= j < len(tpl) - 1 and _ANY_PROGRAM_TAG.match(tpl[j + 1]) is not None
        and _is_message_word(tpl[j]) and all(VAR in t for t in tpl[:j])
    )


# a message's first word: letters, digits and "_", a letter first ("DHCPACK", "Accepted")
_HEAD_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


# a name in code's case: lower-case parts joined by "_" or ".", or lowerCamelCase
_CODE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[_.][A-Za-z][A-Za-z0-9]*|[A-Z][a-z0-9]*)+$")


# a constant's name: capitals and digits joined by "_" ("LLAMA_COMMIT", "MAX_CONNS")
_CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# a setting's name printed as a plain lower-case word ("ftype", "pilot")
_PLAIN_SETTING = re.compile(r"^[a-z][a-z0-9]*$")


def _coded_name(name: str, cases: bool = False) -> bool:
    """A name in code's case, or with ``cases`` a constant's name in capitals."""
    return _CODE_NAME.match(name) is not None or (cases and _CONSTANT_NAME.match(name) is not None)


def _setting_word(name: str, cases: bool = False) -> bool:
    """A name a setting may have: a coded name, or with ``cases`` also a plain word."""
    return _coded_name(name, cases) or (cases and _PLAIN_SETTING.match(name) is not None)


def _setting_name(tokens: tuple[str, ...], i: int, cases: bool = False) -> bool:
    """``tokens[i]`` is a name in code's case opening the message after a label or program
    tag, and only its bare value follows ("fileserver: worker_threads = <*>", "ptp[<*>]:
    gmIdentity <*>"): the name of a setting, which a program prints one statement each.
    A value with a key or brackets of its own ("createInvoice sessionId=<*>", "QueryHost
    [<*>/<*>]") makes the name an argument of the statement before it, a value. With
    ``cases`` a constant's name in capitals and a plain word are names too, the plain word
    only beside a coded sibling (see _setting_names)."""
    if i == 0 or not tokens[i - 1].endswith(":"):
        return False
    if not _setting_word(tokens[i], cases):
        return False
    rest = tokens[i + 1 :]
    return rest in ((VAR,), ("=", VAR))


def _setting_names(a: tuple[str, ...], b: tuple[str, ...], i: int, cases: bool = False) -> bool:
    return (
        a[i] != b[i] and _setting_name(a, i, cases) and _setting_name(b, i, cases)
        and (_coded_name(a[i], cases) or _coded_name(b[i], cases))
    )


def _is_label(tok: str) -> bool:
    return tok.endswith(":") or tok.lower() in _LABELS


_COMPOUND_CUT = re.compile(r"[./:@]")
_KEYED_QUOTE = re.compile(r"""^"?[A-Za-z_][\w.-]*"?:((["']).*\2)$""")


def _compound(word: str) -> bool:
    """A reference built from several names with a "/" and another kind of separator
    (``ServiceEntry:default/web``, ``corp.local/MX/IN``, ``billing/svc_billing@<*>:<*>``):
    kind:namespace/name, zone/type/class, db/user@host, which programs print as one
    argument. Not a key=value record or a structure in braces (``a=ComponentInfo{x/y}``)."""
    w = word.strip("\"'`[](),;")
    if "=" in w or "{" in w or "/" not in w:
        return False
    if len(set(_COMPOUND_CUT.findall(w.replace(VAR, "")))) < 2:
        return False
    return sum(1 for piece in _COMPOUND_CUT.split(w) if any(ch.isalpha() for ch in piece.replace(VAR, ""))) >= 2


def _key_separator(tok: str, bracketed: bool = False) -> str | None:
    """The separator a token ends with when it separates a key from its value: a bare ":" or
    "=" ("PID : <*>", "rc = <*>") or a label word ending in ":" ("username:", "type:"). With
    ``bracketed``, a key that opens a square bracket ("[namespace:", the field "[namespace:
    <value>]") separates a field of its own kind, "[:" (pass 28c)."""
    if tok in (":", "="):
        return tok
    # ("ruser= rhost=<*>": a key glued to "=" and followed by a space has an empty value)
    if len(tok) > 1 and tok[-1] == ":" and tok[:-1].isalpha():
        return tok[-1]
    if bracketed and len(tok) > 2 and tok[0] == "[" and tok[-1] == ":" and tok[1:-1].isalpha():
        return "[:"
    return None


def _valued_separator(tokens: tuple[str, ...], i: int, words: tuple[str, ...], bracketed: bool = False) -> bool:
    """Whether the words at ``i`` follow a key's separator whose other occurrences in the
    template are followed by values ("PID : <*> TID : <*> PROC : db2sysc", "type: <*>,
    ... type: cumulative,"): the statement prints its fields as "key: value" there, so the
    word is one more field's value. A word that is itself a label ("serf:
    EventMemberJoin:") or that opens a label of two words ("MDNS: IPV6 Addr: <*>") names
    what follows instead, a capitalised plain word is as often the message's verb, and a
    word holding "=" is a field of its own."""
    if i == 0:
        return False
    sep = _key_separator(tokens[i - 1], bracketed)
    if sep is None or any(w.endswith(":") or "=" in w for w in words):
        return False
    if sep == "[:" and not all(w.endswith("]") and "[" not in w for w in words):
        return False  # the value closes the field's bracket ("[flow: <value>]")
    if any(_TITLE.match(w.rstrip(_TRAIL)) is not None for w in words):
        # a capitalised plain word after a program's "name:" opens its message ("kernel:
        # [<*>] sshd: Accepted" / "Failed"): the statement's verb, as in _enum_after_label
        return False
    if (
        sep != "[:"
        and i + 1 < len(tokens) and len(tokens[i + 1]) > 1 and tokens[i + 1].endswith(":") and VAR not in tokens[i + 1]
    ):
        return False
    return any(
        j != i and _key_separator(tokens[j - 1], bracketed) == sep and VAR in tokens[j] for j in range(1, len(tokens))
    )


# a word glued to its key by ":" ("from:replica", "key:orders"): a key of letters, one colon,
# then a part holding a letter and no colon, slash or variable (not a label "state:", not a URL)
_GLUED_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):([^:/\\]*[A-Za-z][^:/\\]*)$")
# another glued field of the template holding a value ("seqno:<*>", "vb:<*>,")
_GLUED_VALUE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*:<\*>")


def _glued_field(tokens: tuple[str, ...], i: int, words: tuple[str, ...], capitals: bool) -> bool:
    """Whether the words at ``i`` are values of one ``key:value`` field glued by its colon
    ("from:replica" / "from:dead"), in a template whose other glued fields print values
    ("vb:<*> with high seqno:<*> from:dead"): the statement prints fields there, and the part
    after the shared key is the argument (pass 20b's _valued_separator for the glued form).
    The parts must not be a statement's keyword pair (a participle, a word and its negation, a
    success and a failure word), which a program may print after a key as well."""
    if i == 0:
        return False
    parts = []
    for w in words:
        m = _GLUED_FIELD.match(w.rstrip(",;"))
        if m is None or VAR in w:
            return False
        parts.append(m)
    if len({m.group(1) for m in parts}) != 1:
        return False
    values = [m.group(2) for m in parts]
    if any(_statement_keywords(a, t, capitals) for a, t in pairwise(values)):
        return False
    return any(j != i and _GLUED_VALUE.match(tokens[j]) is not None for j in range(len(tokens)))


def _value_shaped(word: str) -> bool:
    """Whether a word that differs between two otherwise equal lines looks like a value
    rather than a keyword: quoted, a joined lower-case identifier, or a name glued to a
    (masked) number. Plain words ("Accepted", "started", "root") are not: for them only
    behaviour (values seen, pairs alternating elsewhere) decides."""
    w = word.rstrip(_TRAIL)
    if w[:1] in _QUOTES:
        # a quoted value closing a parenthesised record: "user: 'guest')"
        w = w.rstrip(_TRAIL + ")]}")
    if _compound(w):
        return True
    m = _KEYED_QUOTE.match(w)
    if m is not None:
        w = m.group(1)  # 'State:"up"', '"state":"up"' (Go %+v, compact JSON): the quoted value
    if len(w) >= 3 and w[0] in _QUOTES and w[-1] == w[0]:
        # quoted names are values ("orders", "users_pkey"), capitalised quoted words
        # more often states or titles ('Active' / 'Inactive')
        inner = w[1:-1]
        return inner == inner.lower() and not inner.isspace()
    if len(w) >= 3 and w[0] in "[(" and w[-1] in "])":
        w = w[1:-1]
    return _JOINED.match(w) is not None or _DOTTED.match(w) is not None


_OPEN = {"[": "]", "(": ")", "{": "}"}


# a Ruby symbol (":main", ":kafka-ingest"): an interned name, printed as such in inspect output
_SYMBOL = re.compile(r"^:[a-z_][\w-]*$")
# a list opened inside a token, right after its key (":running_pipelines=>[:main,", "ids=[a,")
_KEYED_LIST = re.compile(r"^([^\s\[({]*?(?:=>|=|:))([\[({])(.+),$")


def _item_is_value(item: str) -> bool:
    # "key=<*>" or "key:<*>" items are pairs of a record, not entries of a list
    if _SYMBOL.match(item) is not None:
        return True
    return bool(item) and "=" not in item and ":" not in item and (VAR in item or _value_shaped(item))


# an entry of a printed map whose value holds a value ('"page"=>"<*>"', "size=<*>", "'k': <*>")
_MAP_ENTRY = re.compile(r"""^(?:"[^"\s]+"|'[^'\s]+'|:?[A-Za-z_][\w.-]*)(?:=>|=|:)\S*<\*>\S*$""")


def _entry_of(closer: str, item: str) -> bool:
    return _item_is_value(item) or (closer == "}" and _MAP_ENTRY.match(item) is not None)


def _collapse_value_lists(toks: list[str]) -> list[str]:
    """A comma-separated list of values written over several tokens is one variable, so
    that "[orders-0]" and "[orders-0, payments-3, audit-log-1]" are one message shape:
    a bracketed list ("[a, b, c]", "(a, b)") of two or more items, or, after a label
    ending in ":", a list that runs to the end of the message ("partitions: a, b").
    Lists of plain words ("[TERM, HUP, INT]") are kept: those are usually constants."""
    out: list[str] = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        head, closer, first = "", _OPEN.get(tok[:1]), tok[1:-1]
        if closer is None and tok.endswith(",") and ("[" in tok or "(" in tok or "{" in tok):
            m = _KEYED_LIST.match(tok)
            if m is not None:
                head, closer, first = m.group(1), _OPEN[m.group(2)], m.group(3)
        if closer is not None and len(tok) > 2 and tok.endswith(",") and _entry_of(closer, first):
            j = i + 1
            while j < n and toks[j].endswith(",") and closer not in toks[j] and _entry_of(closer, toks[j][:-1]):
                j += 1
            if j < n:
                k = toks[j].find(closer)
                if k > 0 and _entry_of(closer, toks[j][:k]):
                    out.append(head + tok[len(head)] + VAR + toks[j][k:])
                    i = j + 1
                    continue
        elif tok.endswith(",") and out and out[-1].endswith(":") and _item_is_value(tok[:-1]):
            j = i + 1
            while j < n - 1 and toks[j].endswith(",") and _item_is_value(toks[j][:-1]):
                j += 1
            if j == n - 1 and _item_is_value(toks[j]):
                out.append(VAR)
                break
        out.append(tok)
        i += 1
    return out


def _is_pair(tok: str) -> bool:
    k = tok.find("=")
    return 0 < k < len(tok) - 1


_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)=")


_EVENT_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+:?$")


def _event_after_header(tpl: tuple[str, ...], toks: tuple[str, ...], i: int) -> bool:
    """Template and line open the message after a header of values with two different
    names in SCREAMING_SNAKE_CASE ("AS_REQ" / "TGS_REQ", "IKE_SA_INIT" / "CREATE_CHILD_SA"):
    event kinds, which tell messages apart as a first word does (a level has no "_")."""
    return (
        i > 0 and _EVENT_NAME.match(tpl[i]) is not None and _EVENT_NAME.match(toks[i]) is not None
        and all(VAR in t for t in tpl[:i])
    )


def _other_keys(a: str, t: str) -> bool:
    """Template token ``a`` and line token ``t`` are ``key=value`` fields of different keys
    ("dn=..." / "tag=..."): the keys are the statement's own words, so the lines print
    different fields, not different values of one field."""
    ma = _KEY.match(a)
    if ma is None:
        return False
    mt = _KEY.match(t)
    return mt is not None and ma.group(1) != mt.group(1) and VAR not in ma.group(1) and VAR not in mt.group(1)


def _field_missing(a: str, t: str) -> bool:
    """Template token ``a`` is a ``key=value`` field and line token ``t``, at its place, is no
    field of that key ("hits=<*>" / "(<*>)]}"): the line does not print the field, so it is
    another statement's line, not one more value of the field (_other_keys covers a field
    of another key)."""
    ma = _KEY.match(a)
    return ma is not None and not t.startswith(ma.group(0)) and _KEY.match(t) is None


EMPTY_VALUE = "(" + VAR + ")"


def _is_symbol(tok: str) -> bool:
    return len(tok) >= 2 and tok not in _EMPTY and not any(ch.isalnum() for ch in tok)


def _masked_shape(tok: str) -> bool:
    """A token of masked values and the punctuation between them ('<*>,<*>', '"<*>',
    '<*>:<*>:<*>'): a value that a line's bare variable also stands for, whichever of the
    two arrived first (the line's value was masked whole, the template's piece by piece).
    A masked key before "=" is not one: a pair against a lone value is another field shape,
    as "key=" against "key=value" is (_is_word_edit)."""
    return VAR in tok and not _is_pair(tok)


# pure predicates of tokens that the span rules ask again and again (a new line is cut against
# up to _SPAN_CANDIDATES templates of its first word, and the templates' tokens and the line's
# recur): their answers are memoised, in bounded caches, with no change to any answer. Such a
# predicate must stay a pure function of its arguments (module constants only): one that read a
# config flag or the engine's evidence would be served answers cached for another engine
_TOKEN_CACHE = 1 << 16
_PAIR_CACHE = 1 << 17
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _has_alpha(tok: str) -> bool:
    """Whether the token holds a letter outside its variables. VAR ("<*>") holds no letter, so
    the letters of the token are those outside its variables; for an ASCII token ``isalpha``
    holds exactly for A-Z and a-z, so one regex search answers as the loop over characters."""
    if tok.isascii():
        return _ASCII_LETTER.search(tok) is not None
    return any(ch.isalpha() for ch in tok.replace(VAR, ""))


_LITERAL_WORD = re.compile(r"[A-Za-z]{2}")


def has_literal_word(template: str) -> bool:
    """Whether the text outside a template's variables holds a word (two letters in a row):
    a template of variables and punctuation alone (``<*> <*> <*>: <*>``) names no statement."""
    return _LITERAL_WORD.search(template.replace(VAR, " ")) is not None


def _names_something(tokens: tuple[str, ...]) -> bool:
    """A word outside the variables, or a token of symbols that delimits a record's fields
    ("[**]", "|", "::"): a record whose only words were a field's text (an alert's message)
    still names its format by its delimiters."""
    return any(has_literal_word(t) or _delimiter(t) for t in tokens)


_WORD_ALONE = re.compile(r"^[A-Za-z][A-Za-z_]*[A-Za-z]$")


def _plain_word(tokens: tuple[str, ...]) -> bool:
    """Whether one of the tokens is a word alone ("Updating", "connected,", "(reason",
    "say_team"): letters only once brackets and trailing punctuation are set aside. A quoted
    token is a printed text, a value ('"gg"'); a word inside a compound token
    ("git-receive-pack./repo", "registry.io/app") is part of a value."""
    return any(_words_alone(tokens))


def _words_alone(tokens: tuple[str, ...]) -> Iterator[str]:
    """The words alone among the tokens (see _plain_word), brackets and trailing punctuation
    set aside."""
    for t in tokens:
        if VAR not in t and t[:1] not in _QUOTES:
            w = t.strip(_TRAIL + "()[]{}")
            if _WORD_ALONE.match(w):
                yield w


# severity names as loggers abbreviate them to three letters (zerolog's console "INF" /
# "WRN", Zephyr's "<inf>" / "<wrn>")
_LEVEL_ABBREVIATIONS = frozenset({"trc", "dbg", "inf", "wrn", "ftl", "pnc"})


# a token that opens with a name: a word, maybe after an option's dashes ("--news=<*>",
# "REQUEST(<*>):", "chd:meter"); not a value first ("<*>=kitchen.yaml"), not a quoted text
_NAME_FIRST = re.compile(r"-{0,2}[A-Za-z]")


def _glued_names(a: str, t: str) -> bool:
    """Template token ``a`` and line token ``t`` differ, each opens with a name
    (_NAME_FIRST), and one of them has a value glued to its name ("--news=<*>" /
    "--sync=<*>", "REQUEST(<*>):" / "SUBSCRIBE(<*>):", "chd:<*>" / "chd:meter"): names
    printed with their arguments, not a record's field values (pass 39e)."""
    return (
        a != t and _NAME_FIRST.match(a) is not None and _NAME_FIRST.match(t) is not None
        and (VAR in a or VAR in t)
    )


def _names_statement(tokens: tuple[str, ...]) -> bool:
    """Whether a template names something (_names_something) besides its severity: a level
    word ("<inf>", "INFO", "[WARN]") is printed by the logger for every statement."""
    return any((has_literal_word(t) or _delimiter(t)) and not _level_token(t) for t in tokens)


def _own_word(tokens: tuple[str, ...]) -> bool:
    """Whether one of the tokens is a word alone (_plain_word) that is not a severity: a word
    the statement prints, not its logger (pass 24a)."""
    return any(w.lower() not in _SEVERITY_NAMES for w in _words_alone(tokens))


# one word alone in quotes, any case, no variable inside ("'ORDERS.IN'.", '"Full"', "'geometric::PRM'")
_QUOTED_WORD = re.compile(r"""^(["'])([^\s"'`<>]*[A-Za-z][^\s"'`<>]*)\1[,.;:)]?$""")


# a quoted token holding a value ("'<*>'", '"<*>",', "'<*>/<*>'")
_QUOTED_VAR = re.compile(r"""^(["'])[^"'`\s]*<\*>[^"'`\s]*\1""")


def _quoted_words(tokens: tuple[str, ...], i: int, words: tuple[str, ...], capitals: bool, beside: bool) -> bool:
    """Whether the different words at ``i`` are each one word alone in quotes, whatever their
    case ("access object 'ORDERS.IN'." / "'ORDERS.OUT'." / "'SYSTEM.ADMIN.QUEUE'."): a format
    string quotes the argument it prints ('%s'). Three of them at least, since a statement's
    own quoted keywords come in pairs ('triggered "Round_Start"' / '"Round_End"'), or two in a
    template that quotes a value at another place (``beside``: 'Team "CT" triggered "<*>"' /
    '"TERRORIST"'). Not when two of them are a keyword pair (a participle, a word and its
    negation, a success and a failure word: "'Active'" / "'Inactive'")."""
    inner = []
    for w in words:
        m = _QUOTED_WORD.match(w)
        if m is None:
            return False
        inner.append(m.group(2))
    if any(_statement_keywords(a, t, capitals) for a, t in combinations(inner, 2)):
        return False
    if len(set(inner)) >= 3:
        return True
    return beside and any(j != i and _QUOTED_VAR.match(tokens[j]) is not None for j in range(len(tokens)))


# a qualifier ending at a "/" (no ":" in it), then a name: "jdbc/ordersDS.", "nav2_x/PlannerA"
_QUALIFIED_NAME = re.compile(r"""^([A-Za-z][^\s<>"'`:]*?/)([A-Za-z_][A-Za-z0-9_.-]*?)[,.;:)]?$""")


def _names_in_one_namespace(words: tuple[str, ...]) -> bool:
    """Whether the different words share one qualifier that ends at a "/" ("jdbc/paymentsDS."
    / "jdbc/ordersDS.") and differ only in the name after it: names of one directory or
    namespace (a JNDI name, a plugin's "package/Class"), a value of the statement. The
    qualifier starts with a letter (a path from the root is masked already). A "::" does not
    count: a C++ "Class::method entered" names its statement (Loghub Mac, pass 27f)."""
    heads = set()
    tails = set()
    for w in words:
        m = _QUALIFIED_NAME.match(w)
        if m is None:
            return False
        heads.add(m.group(1))
        tails.add(m.group(2))
    return len(heads) == 1 and len(tails) == len(set(words)) and all(any(c.isalpha() for c in t) for t in tails)


def _participle(tok: str, capitals: bool = False) -> bool:
    """A plain word ending in "-ed" (lower-case or capitalised, five letters or more): the
    verb or status of a statement ("started", "Accepted", "detached", "underutilized")."""
    w = tok.strip(_QUOTES + _TRAIL + "()[]{}")
    if capitals and len(w) >= 5 and w.isalpha() and w.isupper() and w.endswith("ED"):
        return True  # printed in capitals ("STARTED", "ENDED", "COMPLETED"; pass 25b)
    return len(w) >= 5 and w.isalpha() and w.endswith("ed") and w[1:].islower()


def _keyword_variant(a: str, t: str, capitals: bool = False) -> bool:
    """Two plain words of which one is a participle: what happened differs, so the two are
    variants of a statement (or two statements), not two values of one field. Field values
    of records are codes, names and numbers; a participle there is the record's event."""
    if a == t:
        return False
    plain = all(w.strip(_QUOTES + _TRAIL + "()[]{}").isalpha() for w in (a, t))
    return plain and (_participle(a, capitals) or _participle(t, capitals))


# prefixes that negate the word they open ("dis"connected, "un"available, "in"valid,
# "de"registered, "non"-blocking)
_NEGATIONS = ("dis", "un", "in", "im", "il", "ir", "non", "non-", "de")


def _sign_pair(tokens: tuple[str, ...], i: int, a: str, t: str) -> bool:
    """``a`` and ``t``, at ``i`` of ``tokens``, are two different tokens of signs alone (no
    letter, digit or masked value: "+" / "*" / "-" opening a change's line, ">>" / "<<", "✓" /
    "✗") with nothing or a word before them: marks the program prints for the kind of its
    statement. Signs of one set in other counts ("====" / "======", "___|||" / "_|||__") are a
    banner's or a bar's width, and signs after a value ("[<*>: < <*>]") a value's direction."""
    if a == t or not a or not t or VAR in a or VAR in t:
        return False
    if any(ch.isalnum() for ch in a) or any(ch.isalnum() for ch in t) or set(a) == set(t):
        return False
    if i == 0:
        return True
    before = tokens[i - 1]
    return VAR not in before and _has_alpha(before)


def _negated_variant(a: str, t: str) -> bool:
    """Two tokens that are the same but for a negating prefix on one of their words
    ("connected." / "disconnected.", 'msg="Volume mounted' / 'msg="Volume unmounted'): the
    statement and its opposite, which a program prints as two statements (or two keyword
    variants of one); a field's values are not each other's negation. A state after a state
    word ("is now Reachable" / "Unreachable") stays a value (_enum_after_label, _state_pair)."""
    if a == t:
        return False
    a, t = a.lower(), t.lower()
    n = min(len(a), len(t))
    p = 0
    while p < n and a[p] == t[p]:
        p += 1
    while p > 0 and a[p - 1].isalnum():
        p -= 1  # back to the start of the word that differs
    if "=" in a[:p] and not _MESSAGE_FIELD.match(a):
        return False  # a field's value ("state=active" / "state=inactive"), not message text
    ra, rt = a[p:], t[p:]
    short, long = (ra, rt) if len(ra) < len(rt) else (rt, ra)
    word = len(short) - len(short.lstrip("abcdefghijklmnopqrstuvwxyz"))
    if word < 4 or not long.endswith(short):
        return False
    return long[: len(long) - len(short)] in _NEGATIONS


# the two outcomes a program reports of what it tried: words of success and of failure
_SUCCESS = frozenset(("ok", "pass", "passed", "success", "successful", "successfully", "succeeded"))
_FAILURE = frozenset(("fail", "failed", "failure", "fails"))


def _outcome_word(tok: str) -> str:
    if tok[:1] in "([{":
        return ""  # an outcome in brackets is an annotation printed as a value ("(OK)" / "(FAILED)")
    w = tok.strip(_QUOTES + _TRAIL).lower()
    return w if w.isalpha() else ""


def _outcome_pair(a: str, t: str) -> bool:
    """Whether one of two words is a success word and the other a failure word."""
    wa, wt = _outcome_word(a), _outcome_word(t)
    return (wa in _SUCCESS and wt in _FAILURE) or (wa in _FAILURE and wt in _SUCCESS)


def _statement_keywords(a: str, t: str, capitals: bool = False) -> bool:
    """Whether two words printed as a value's parts are a statement's keyword pair instead
    (participles or other verb variants, a word and its negation, a success and a failure
    word), which a program may print after a key or in quotes as well."""
    return _keyword_variant(a, t, capitals) or _negated_variant(a, t) or _outcome_pair(a, t)


def _outcome_keywords(tokens: tuple[str, ...], i: int, a: str, t: str, letters: bool = False) -> bool:
    """Whether ``a`` and ``t`` at position ``i`` of ``tokens`` are a success word and a
    failure word ("PASS:" / "FAIL:", "SUCCESS" / "FAILURE", "ok" / "FAILED") after a literal
    token that is not a label: the outcome the statement reports, printed as its own text.
    After a value ("<domain> pass" / "fail") or a label ("result: Failed") an outcome is a
    field's value, as any other word there."""
    if not _outcome_pair(a, t):
        return False
    if i == 0:
        return True
    return VAR not in tokens[i - 1] and not _after_label_word(tokens, i, True, letters)


def _gerund(w: str) -> bool:
    """A plain word ending in "-ing" (six letters or more, lower-case or capitalised): a
    verb's gerund or present participle ("generating", "Sending")."""
    return len(w) >= 6 and w.isalpha() and w.endswith("ing") and w[1:].islower()


def _verb_keywords(tokens: tuple[str, ...], i: int, a: str, t: str, letters: bool = False) -> bool:
    """Whether ``a`` and ``t`` at position ``i`` of ``tokens`` are two verb forms of which one
    is a gerund and the other a gerund or a participle ("generating" / "parsed", "Starting" /
    "Stopping"): what the statement does, printed as its own text. After a label word
    ("state: running" / "stopped") they are that label's values (see _after_label_word)."""
    if a == t:
        return False
    wa, wt = (w.strip(_TRAIL) for w in (a, t))
    if not ((_gerund(wa) and (_gerund(wt) or _participle(wt))) or (_gerund(wt) and _participle(wa))):
        return False
    return not _after_label_word(tokens, i, True, letters)


def _message_words(a: str, t: str) -> list[tuple[tuple[str, ...], int, str, str]]:
    """The words at which two message texts of a logfmt message field ('msg="Volume attached
    to node"', one token) differ, each with the first text's words and its place: compared
    from the text's start and from its end, each up to the first word that holds a variable
    (a template's text is one wildcard between its literal words); texts of different word
    counts only where one holds a variable. Empty for other tokens.
    The text is the statement's own sentence, so its words are asked as a line's words are
    (see _keyword_pair)."""
    ma = _MESSAGE_FIELD.match(a)
    mt = _MESSAGE_FIELD.match(t)
    if ma is None or mt is None or a[: ma.end()] != t[: mt.end()]:
        return []
    wa = tuple(a[ma.end() :].strip(_QUOTES).split(" "))
    wt = tuple(t[mt.end() :].strip(_QUOTES).split(" "))
    out: list[tuple[tuple[str, ...], int, str, str]] = []
    if len(wa) != len(wt) and not any(VAR in w for w in wa + wt):
        return out  # texts of different lengths and no wildcard: their words are not aligned
    n = min(len(wa), len(wt))
    head = n  # the places compared from the start
    for j in range(n):
        x, y = wa[j], wt[j]
        if VAR in x or VAR in y:
            head = j
            break
        if x != y:
            out.append((wa, j, x, y))
    for k in range(1, n - head + 1):
        x, y = wa[-k], wt[-k]
        if VAR in x or VAR in y:
            break
        if x != y:
            out.append((wa, len(wa) - k, x, y))
    return out


def _participle_pair(a: str, t: str, capitals: bool = False) -> bool:
    """Two different participles ("started" / "succeeded", "Accepted" / "Rejected"): what
    happened, which a program prints in the same place of several statements."""
    return a != t and _participle(a, capitals) and _participle(t, capitals)


def _after_label_word(
    tokens: tuple[str, ...], i: int, severity_not_label: bool = False, letter_severities: bool = False
) -> bool:
    """Whether the token before ``i`` is a label word ("result:", "status:", "state"): what
    follows it is that label's value, participles included ("result: Succeeded" / "Failed").
    A severity printed with a colon ("INFO:", "error:") is the logger's header, after which
    the message begins, not a label (``severity_not_label``, pass 24a); so is one capital
    letter with a colon ("I:", "W:", "E:"), a severity printed in one letter: no field is
    named by a single letter (``letter_severities``, pass 27d)."""
    if i == 0:
        return False
    prev = tokens[i - 1]
    if severity_not_label and prev[:-1].lower() in _LEVEL_WORDS:
        return False
    if letter_severities and len(prev) == 2 and prev[1] == ":" and "A" <= prev[0] <= "Z":
        return False
    return (prev.endswith(":") and prev[:-1].isalpha()) or prev.lower() in _LABELS


def _is_word_edit(a: str, t: str, header_words: bool = False) -> bool:
    """``a`` and ``t`` differ in a word (maybe different templates, maybe a variable
    word) rather than in a value: the differing parts hold letters besides variables
    (one may be empty: "LOGIN(uid=<*>)" / "(uid=<*>)"), neither is just a variable, and
    they are neither in the value of a ``key=value`` pair nor the tail of a token that holds
    masked pieces (with ``header_words``, but for a header glued to the message's first
    word: _header_glued_word)."""
    pre, suf = _common(a, t)
    da = a[len(pre) : len(a) - len(suf)]
    dt = t[len(pre) : len(t) - len(suf)]
    if pre[-1:] == "=" and not (da and dt):
        return True  # "key=" against "key=value": a different message shape
    if da == VAR or dt == VAR or not (_has_alpha(da) or _has_alpha(dt)):
        return False
    if not pre:
        return True
    if header_words and _header_glued_word(a, t, pre):
        return True
    return not (VAR in a or VAR in t or "=" in pre)


# a field of a "|"-joined header between its masked time and the message: a level, a
# logger's name, a module
_HEADER_FIELD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def _header_glued_word(a: str, t: str, pre: str) -> bool:
    """Both tokens are a masked value, at least two "|"-joined fields of names and a last
    field opening with a letter ("<*>|Info|EpisodeSearchService|Episode"), and they agree up
    to the last masked value: a header glued to the message's first word, which the tokens
    differ in (with the fields, maybe). A token whose masked value follows the differing
    part, or with one field only after it ("<*>|onStandStepChanged"), is still one value."""
    k = a.rfind(VAR)
    if k < 0 or k != t.rfind(VAR) or len(pre) < k + len(VAR):
        return False
    for tok in (a, t):
        fields = tok[k + len(VAR) :].split("|")
        if len(fields) < 4 or fields[0] or not all(_HEADER_FIELD.match(f) for f in fields[1:-1]):
            return False
        if not fields[-1][:1].isalpha():
            return False
    return True


def _text_word_edit(a: str, t: str) -> bool:
    """Whether ``a`` and ``t`` differ in a word although :func:`_is_word_edit` took the
    difference for the value of a ``key=value`` field: every "=" before the differing part
    is either the one after a message field's key ('msg="Key quota ...' / 'msg="Key rate
    ...': the field holds the statement's sentence, which names the statement as a plain
    line's words do) or has no key before it ("====Start" / "====End": a banner's rule of
    "="). Neither token holds a variable, and the differing parts hold letters."""
    if VAR in a or VAR in t:
        return False
    pre, suf = _common(a, t)
    if "=" not in pre:
        return False
    da = a[len(pre) : len(a) - len(suf)]
    dt = t[len(pre) : len(t) - len(suf)]
    if not (da and dt and _has_alpha(da) and _has_alpha(dt)):
        return False
    ma = _MESSAGE_FIELD.match(a)
    start = ma.end() if ma is not None and t.startswith(a[: ma.end()]) else 0
    if start:
        # the text's words where the texts differ: texts of as many words, none after a
        # label of the text ('msg="Checking policy: Token"' / '"... policy: OAuth"': the
        # label's values, as on a plain line; see _after_label_word), and each a plain word of
        # letters: a quoted name, a word holding a digit or a field of the text ("uid=carol")
        # is a printed argument (pass 27c)
        diffs = _message_words(a, t)
        if not diffs or any(
            _after_label_word(words, j, True, True) or not (_letters_word(x) and _letters_word(y))
            for words, j, x, y in diffs
        ):
            return False
    rest = pre[start:]
    # an "=" of the text itself counts only where a key stands before it ("id=<n>" inside
    # a message is a field again); one after another "=" or at the start has none
    return all(k == 0 or rest[k - 1] in "= " for k, ch in enumerate(rest) if ch == "=")


def _letters_word(w: str) -> bool:
    """A word of letters only, once the punctuation that may close it is taken off."""
    return w.strip(_TRAIL).isalpha()


# joins between the parts of a compound value ("https://host:443", "session:<id>", "a|b|c"):
# a bracket, "=", "_" or "-" next to the differing part makes it a name of its own
# ("LOGIN(uid=<*>)" / "LOGOUT(uid=<*>)", "attempt_<*>_m_<*>" / "_r_")
_PART_JOINS = frozenset(":/|@.")


# a token that may hold such a part (letters or digits across a join next to a variable)
_GLUE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*[:/|@.]{1,3}<\*>|<\*>[:/|@.]{1,3}[A-Za-z0-9_-]*[A-Za-z]")


def _glued_part(a: str, t: str) -> bool:
    """Template token ``a`` and line token ``t`` are one compound value that differs in one
    part: both hold a masked value outside the differing part, the differing parts are
    single alphanumeric words, and they are joined to the rest only by ":", "/", "|", "@"
    or "." (a scheme before a host, a key's namespace before its id). A word glued to a
    masked value without a space is a piece of that value, not a keyword of the message."""
    if VAR not in a or VAR not in t:
        return False
    pre, suf = _common(a, t)
    da = a[len(pre) : len(a) - len(suf)]
    dt = t[len(pre) : len(t) - len(suf)]
    if da[:1] == dt[:1] and da[:1] in "<([{":
        da, dt = da[1:], dt[1:]  # the value's opening bracket (_common leaves it in the parts)
    if not (_part_word(da) and _part_word(dt)) or VAR not in pre + suf:
        return False
    # the part touches a masked value across one short join ("https:/" "<*>", "<*>" "|" ...):
    # a label before a structure ("mapResourceRequest:<memory:<*>") or padding
    # ("dcbf.........<*>") is not a part of one value
    return _joined_to_value(pre, True) or _joined_to_value(suf, False)


def _part_word(part: str) -> bool:
    """A part of a compound value: one alphanumeric word, or words joined by "-" or "_"
    inside it ("site-ams" in "<site-ams|12>", a connection's name before its number)."""
    return part.isalnum() or (
        part[:1].isalnum() and part[-1:].isalnum() and part.replace("-", "").replace("_", "").isalnum()
    )


def _joined_to_value(side: str, before: bool) -> bool:
    """Whether ``side`` (the text before the differing part when ``before``, else after
    it) reaches a masked value through one to three of _PART_JOINS."""
    k = 0
    n = len(side)
    while k < n and k < 4 and side[n - 1 - k if before else k] in _PART_JOINS:
        k += 1
    if not 1 <= k <= 3:
        return False
    return side[: n - k].endswith(VAR) if before else side[k:].startswith(VAR)


def _same_fields(words: tuple[str, ...]) -> bool:
    """Words made of the same number (at least three) of "|"-separated fields, each empty or
    one name ("||" / "MySQL|dbserver1|task": a logback MDC block): one value per field."""
    n = words[0].count("|")
    return n >= 2 and all(
        w.count("|") == n and all(f == "" or f.replace("-", "").replace("_", "").isalnum() for f in w.split("|"))
        for w in words
    )


def _other_statement(a: str, t: str, tpl: tuple[str, ...], i: int, names: bool = False) -> bool:
    """Template token ``a`` (at ``i`` in template ``tpl``) and line token ``t`` show that the
    line is another statement, whatever else it shares with the template: the quoted messages
    of two logfmt records (every token a ``key=value`` pair) begin with different words (the
    message is then the statement's text, not a field value; after a text of its own, as
    hclog's ``Task event: ... msg="..."``, it is a field), or a word carries a sign the other
    inverts ("+sdown" / "-sdown": entered / left). With ``names``, the message needs only a
    header of values and fields before it (a syslog prefix, a program's ``name[pid]:``; fields
    after it are the record's), and its first words are compared past the values that open
    it ('msg="<*> - [...] \\"GET' / 'msg="(localhost/crowdsec) ... ban on Ip <*>"')."""
    ma = _MESSAGE_HEAD.match(a)
    if ma is not None:
        mt = _MESSAGE_HEAD.match(t)
        if mt is None:
            return False
        if names:
            if not all("=" in x or VAR in x for x in tpl[:i]):
                return False
            wa, wt = _message_name(a), _message_name(t)
            return wa is not None and wt is not None and wa != wt
        if not all("=" in x for x in tpl):
            return False
        wa, wt = ma.group(1), mt.group(1)
        return wa != wt and VAR not in wa and VAR not in wt and _has_alpha(wa) and _has_alpha(wt)
    return (
        len(a) > 2 and len(a) == len(t) and a[0] != t[0] and a[0] in "+-" and t[0] in "+-"
        and a[1:] == t[1:] and a[1].isalpha()
    )


def _message_loses_words(a: str, t: str) -> bool:
    """Template token ``a`` and line token ``t`` are quoted logfmt message texts of the same
    key (``msg="..."``) that are two statements' lines: their merge would leave the text a
    wildcard while either holds a word (``msg="<*>"``, a message naming nothing); or, neither
    holding a wildcard and no label word before their first difference, they differ in a run
    of plain words of other word counts, or in a run of two plain words or more of one count.
    A template text that is one wildcard already takes any."""
    if not (a.startswith(_MESSAGE_KEYS) and t.startswith(_MESSAGE_KEYS)):
        return False
    k = a.index('"') + 1
    if a[:k] != t[:k] or not (a.endswith('"') and t.endswith('"')) or len(a) <= k + 1 or len(t) <= k:
        return False
    if a[k:-1] == VAR or not (_has_alpha(a[k:-1].replace(VAR, "")) or _has_alpha(t[k:-1].replace(VAR, ""))):
        return False
    m = _merge_token(a, t)
    if m == VAR or m[k:-1] == VAR:
        return True
    wa, wt = a[k:-1].split(), t[k:-1].split()
    if VAR in a or VAR in t:
        return False  # (a wildcard in a template's text may stand for several words)
    p = 0
    while p < min(len(wa), len(wt)) and wa[p] == wt[p]:
        p += 1
    if any(w.endswith(":") for w in wa[:p]):
        return False  # the text after a label ("configuration: <reason>") is the label's value
    if len(wa) == len(wt):
        # a run of two plain words or more differs, every word of it: another phrase of the
        # statement's text (two values printed with a word between them, "phase Pending ->
        # Running" / "Running -> Failed", are not a run; one differing word is left to the
        # sibling rules)
        diff = [j for j in range(len(wa)) if wa[j] != wt[j]]
        return (
            len(diff) >= 2 and diff[-1] - diff[0] == len(diff) - 1
            and all(_plain_text_word(wa[j]) and _plain_text_word(wt[j]) for j in diff)
        )
    # texts of different word counts whose differing words are all plain words: the words
    # that tell two statements apart, which the wildcard would swallow
    q = 0
    while q < min(len(wa), len(wt)) - p and wa[-1 - q] == wt[-1 - q]:
        q += 1
    return all(_plain_text_word(w) for w in wa[p : len(wa) - q] + wt[p : len(wt) - q])


def _plain_text_word(w: str) -> bool:
    """A word of letters (_PLAIN_WORD), an ellipsis after it too ("tests..."): no value's shape."""
    return _PLAIN_WORD.match(w[:-2] if w.endswith("...") else w) is not None


def _message_name(tok: str) -> str | None:
    """The first word of a quoted message (``msg="..."``) that is not a value: the word that
    names the statement. None when the message holds no such word (``msg="<*>"``)."""
    for w in tok[tok.index('"') + 1 :].split():
        if VAR not in w and _has_alpha(w):
            return w.rstrip('"')
    return None


@lru_cache(maxsize=_TOKEN_CACHE)
def _several_pattern(a: str) -> re.Pattern[str]:
    return re.compile(".+".join(re.escape(part) for part in a.split(VAR)), re.S)


_TEXT_WORD = re.compile(r"^[A-Za-z]?[a-z][a-z'-]*[.,:;]?$")


def _covers_by_values_alone(ct: tuple[str, ...], st: tuple[str, ...], share: float) -> bool:
    """Whether template ``ct``, which covers template ``st`` of its length, covers a phrase of
    ``st`` (two words of text side by side: lower-case words, a capital first letter
    allowed, "Accepting token-authenticated connection from") with variables and keeps fewer
    than ``share`` of ``st``'s words of text as its own constants: a line that met ``st``
    would not meet ``ct`` (_closest's similarity), so ``st`` is another statement printed
    behind the same header, not a more specific form of ``ct``'s. A record's fields stand
    apart or are no text ("localhost - bob", "GET", "HIER_DIRECT/-", "NOERROR"): a record
    template absorbs the records it covers as before."""
    held = [i for i, t in enumerate(st) if _TEXT_WORD.match(t)]
    if not any(j == i + 1 and ct[i] != st[i] and ct[j] != st[j] for i, j in pairwise(held)):
        return False
    kept = sum(1 for i in held if ct[i] == st[i])
    return kept < share * len(held)


@lru_cache(maxsize=_PAIR_CACHE)
def _fits_several(a: str, t: str) -> bool:
    """Whether token ``t`` fits a template token ``a`` of several variables, each standing
    for at least one character ("<*>:<*>" covers "10.0.0.7:<*>"; 'msg="Web server starting
    (<*>:<*>)"' does not cover 'msg="Putting event on message queue"')."""
    return _several_pattern(a).fullmatch(t) is not None


def _covered(a: str, t: str) -> bool:
    """Whether template token ``a`` covers line token ``t``."""
    return a in (t, VAR) or (VAR in a and _wild_ok(a, t))


def _covers(tpl: tuple[str, ...], toks: tuple[str, ...]) -> bool:
    """Whether template tokens cover line tokens of the same count one by one."""
    return all(_covered(a, t) for a, t in zip(tpl, toks, strict=True))


def _same_key(a: str, t: str) -> bool:
    """Two ``key=value`` pairs of one key."""
    k = a.find("=")
    return 0 < k < len(a) - 1 and t[: k + 1] == a[: k + 1] and len(t) > k + 1


def _never(a: str, t: str) -> bool:
    return False


@lru_cache(maxsize=_PAIR_CACHE)
def _same_or_value(a: str, t: str, header_words: bool = False) -> bool:
    """Template token ``a`` covers line token ``t``, or both hold a value of one shape
    ("user=fake" / "user=team-b"); a word against a bare value is no match."""
    if (a.count('"') ^ t.count('"')) & 1:
        # a quoted value closed in one token against a quote left open (a quoted text of
        # several words, "Zabbix server"): the text's first or last word, not a value of one token
        return False
    return _covered(a, t) or (t != VAR and not _is_word_edit(a, t, header_words))


def _span_side(
    tpl: tuple[str, ...], toks: tuple[str, ...], values: Callable[[str, str], bool]
) -> tuple[str, ...] | None:
    """Prefix (or suffix) of a variable-length template against the line's: the tokens,
    generalised where the line has another value (``values`` says whether two different
    words are values of one field); None when a word differs."""
    out = []
    for a, t in zip(tpl, toks, strict=True):
        if _covered(a, t):
            out.append(a)
        elif t != VAR and (not _is_word_edit(a, t) or values(a, t)):
            out.append(_merge_token(a, t))
        else:
            return None
    return tuple(out)


def _record_syntax(tok: str) -> bool:
    """A token that is a record's syntax, never one of its field values: punctuation only
    ("=>", "->", "|"; not a masked value nor an empty field "-"), or a label ending in ":"
    ("Request:", "<*>:"), which names the text after it (pass 24b)."""
    if tok.endswith(":"):
        return True
    return bool(tok) and VAR not in tok and tok not in _EMPTY and not any(ch.isalnum() for ch in tok)


def _span_side_record(
    tpl: tuple[str, ...], toks: tuple[str, ...], values: Callable[[str, str], bool], keep_syntax: bool = False,
) -> tuple[str, ...] | None:
    """_span_side for a record-like template: one differing word (never the first) is a
    field value ('"GET' / '"POST' in an access line whose status text has any length).
    With ``keep_syntax``, never where either token is the record's syntax (_record_syntax:
    "=>" / "FAILED!", "Request:" / "Completed:", "<*>:" / "RUNNING"): a field's value is
    printed in the record's syntax, not in place of it (pass 24b)."""
    out = []
    edits = 0
    for i, (a, t) in enumerate(zip(tpl, toks, strict=True)):
        if _covered(a, t):
            out.append(a)
        elif t != VAR and (not _is_word_edit(a, t) or values(a, t)):
            out.append(_merge_token(a, t))
        elif (
            i > 0 and t != VAR and edits == 0 and not _other_keys(a, t)
            and not (keep_syntax and (_record_syntax(a) or _record_syntax(t)))
        ):
            # (a field of another key is another statement's field: see _other_keys)
            edits += 1
            out.append(_enclosed_var([a, t]))
        else:
            return None
    return tuple(out)


# labels after which programs print an explanation in words: the text after them is one
# value (an error message, a reason) however many words it has. Other labels ("failed:",
# "status:") are left to the one-word rules: after them Loghub's ground truth, written
# from the programs' sources, keeps different texts apart as different statements
_REASON_WORDS = frozenset(
    {"reason", "because", "cause", "caused", "error", "err", "exception", "message", "msg", "detail", "details", "desc"}
)


def _reason_label(label: str) -> bool:
    return label.strip("([{\"'").rstrip(":").lower() in _REASON_WORDS


# a logfmt "msg=" / "message=" is the message itself (one word when unquoted), not a reason
# ... and a command line printed unquoted ("COMMAND=/usr/bin/systemctl restart nginx" in
# sudo's log, Falco's "command=sh -c id") is a text of several words too
_REASON_KEYS = (_REASON_WORDS - {"msg", "message"}) | {"command", "cmd", "cmdline"}


def _reason_pair(tok: str) -> bool:
    """``error=Connection``: a reason key whose value is printed unquoted, so that its
    words run on over the next tokens (Rust tracing, Vector, Linkerd: ``error=%s``)."""
    k = tok.find("=")
    return k > 0 and tok[:k].lower() in _REASON_KEYS and tok[k + 1 : k + 2] not in ('"', "")


_SPAN_CANDIDATES = 256
_TAILS_KEPT = 16
_PLAIN_WORD = re.compile(r"^[A-Za-z][A-Za-z'+-]*[.,:;]?$")
_JSON_KEY = re.compile(r'^"[\w.-]+":$')
_CLOSERS = {"[": "]", "(": ")", "{": "}", '"': '"', "'": "'", "<": ">"}


def _inside_braces(tokens: tuple[str, ...], i: int) -> bool:
    """Whether token ``i`` is inside a brace that the tokens before it opened and did not
    close (a JSON object printed in the line, or the line itself)."""
    return sum(t.count("{") - t.count("}") for t in tokens[:i]) > 0


_KEY_OPEN = re.compile(r"^[A-Za-z_][\w.-]*=(?=[\[({])")


@lru_cache(maxsize=_TOKEN_CACHE)
def _opening(tok: str) -> str:
    m = _KEY_OPEN.match(tok)
    return tok[: m.end() + 1] if m else tok[:1]


def _json_fields_open(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """A JSON record's tokens with every field value a variable (see json_value_at)."""
    return tuple(VAR if json_value_at(tokens, i) else t for i, t in enumerate(tokens))


# the constants a line must share around the run with a template that holds no message word
# (an access line of values and punctuation) before a quoted text there is taken for a value
_QUOTED_TEXT_FRAME = 3


def _one_quoted_text(run: tuple[str, ...]) -> bool:
    """The run is one double-quoted text of several tokens, opened at its first token and
    closed at its last."""
    return (
        len(run) > 1 and run[0][:1] == '"' and run[0].count('"') == 1
        and run[-1].rstrip(_TRAIL).endswith('"') and run[-1].count('"') == 1
        and all('"' not in x for x in run[1:-1])
    )


def _value_against_quoted_text(mt: tuple[str, ...], ml: tuple[str, ...], frame: int) -> bool:
    """One run is a single value (bare, or quoted in one token) and the other a quoted text,
    with enough shared constants around them (``frame``)."""
    if frame < _QUOTED_TEXT_FRAME:
        return False
    for one, text in ((mt, ml), (ml, mt)):
        if len(one) == 1 and _one_quoted_text(text):
            tok = one[0].rstrip(_TRAIL)
            if tok == VAR or (tok[:1] == '"' and tok.endswith('"') and tok.count('"') == 2 and len(tok) > 2):
                return True
    return False


def _quoted_var(run: tuple[str, ...]) -> bool:
    """The template's run is one quoted variable ('"<*>":'): a quoted text already."""
    return len(run) == 1 and run[0].rstrip(_TRAIL) in ('"<*>"', "'<*>'")


def _json_key(tok: str) -> bool:
    return tok[:1] in "{," and tok.endswith('":')


def _names_words(value: str) -> bool:
    """A field's value holds a plain word that is not a severity word (a text, a name)."""
    return any(
        VAR not in w and _PLAIN_WORD.match(w) is not None and w.rstrip(_TRAIL).lower() not in _LEVEL_WORDS
        for w in (x.strip('"{}()[]') for x in value.split())
    )


def _record_texts_differ(long: tuple[str, ...], short: tuple[str, ...], i: int) -> bool:
    """The values at field ``i`` of two JSON records differ, one holds a word, and no field
    before it holds one (timestamps, ids, numbers and a severity word only): the record's
    first text, its message, whatever its key ('"@mt":"At {OrigState}"' / '"@mt":"Acquired."'),
    so the records print two statements."""
    if long[i] == short[i] or not (_names_words(long[i]) or _names_words(short[i])):
        return False
    return not any(json_value_at(long, j) and _names_words(long[j]) for j in range(1, i))


def _optional_field(tpl: tuple[str, ...], toks: tuple[str, ...], texts: bool = False) -> tuple[int, int] | None:
    """Two JSON records that differ only in one field present in one of them (Serilog's
    ``"@l":"Error"``, printed when the level is not Information; an optional ``"error"``
    field): the same statement. The cut (prefix, suffix) makes the value before that field
    and the field one value of any length; every other key must be equal, every other value
    a field's value or equal (the message is not a field value: other messages stay apart)."""
    if abs(len(tpl) - len(toks)) != 2:
        return None
    long, short = (tpl, toks) if len(tpl) > len(toks) else (toks, tpl)
    p = 0
    n = len(short)
    while p < n and (long[p] == short[p] or (not _json_key(short[p]) and json_value_at(short, p) and json_value_at(long, p))):
        p += 1
    if p < 2 or p >= n or not _json_key(long[p]) or _json_key(long[p + 1]) or not _json_key(short[p]):
        return None
    for j in range(p, n):
        a, b = long[j + 2], short[j]
        if a != b and not (not _json_key(b) and json_value_at(short, j) and json_value_at(long, j + 2)):
            return None
    if not json_value_at(short, p - 1):
        return None
    if texts and _record_texts_differ(long, short, p - 1):
        return None
    return p - 1, n - p


def _json_depth(tokens: tuple[str, ...], i: int) -> int:
    """How many objects are open at token ``i`` of a JSON record (1: the record itself).
    A key that opens an object ('{"k":') opens one; the closing braces are those a field's
    value token ends with (a string's own braces lie inside its quotes; an empty object
    value '{}' closes itself)."""
    depth = 0
    for j in range(i):
        t = tokens[j]
        if t[:1] == "{" and t.endswith('":'):
            depth += 1
        elif t.endswith("}") and json_value_at(tokens, j):
            core = t.rstrip("}")
            depth -= len(t) - len(core) - (1 if core.endswith("{") else 0)
    return depth


def _nested_name_field(tpl: tuple[str, ...], toks: tuple[str, ...], cut: tuple[int, int]) -> bool:
    """The optional field _optional_field found lies inside a nested object of the record
    and holds a name: one word that masking kept ("apiGroup":"apps"), not data (a path, a
    number, an id, a text of several words such as a process's arguments)."""
    long = tpl if len(tpl) > len(toks) else toks
    value = long[cut[0] + 2]
    return _json_depth(long, cut[0] + 1) > 1 and VAR not in value and not any(c.isspace() for c in value)


def _quoted_message_run(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """The run a span cut found in two JSON records is a quoted text inside the message
    (no key in it, opened by a quote that closes at its end, before the message's own quote)."""
    runs = (tpl[p : len(tpl) - s], toks[p : len(toks) - s])
    return all(
        run and not any(x.endswith('":') and x[:1] in "{," for x in run)
        and run[0][:1] in "'`" and run[-1].endswith(run[0][:1] + '"')
        for run in runs
    )


def _enclosed(run: tuple[str, ...]) -> bool:
    # a logfmt list value ("alerts=[a b c]") is enclosed by its brackets too
    first = _KEY_OPEN.sub("", run[0], count=1)
    if first.startswith(VAR):
        return False  # the "<" of a variable opens nothing
    opener = first[:1]
    closer = _CLOSERS.get(opener)
    if closer is None:
        return False
    last = run[-1].rstrip(_TRAIL)
    if opener != '"' and last.endswith(closer + '"'):
        last = last[:-1]  # a quoted text ending a quoted message ('msg="... \'a b\'"')
    return (len(run) > 1 or len(last) > 2) and last.endswith(closer) and not last.endswith(VAR)


# a value in round brackets, one token ("(laptop-7)" masked to "(<*>)")
_BRACKETED_VALUE = re.compile(r"^\([^()\s]*<\*>[^()\s]*\)$")


def _optional_bracket(tpl: tuple[str, ...], toks: tuple[str, ...]) -> tuple[int, int] | None:
    """(prefix, suffix) when one of the two lines has one token more, a value in round
    brackets right after a value ("to <mac> (<hostname>) via" / "to <mac> via"), and
    everything else aligns: the bracket is printed only when the value is known (a
    client's host name, a server id), so the value and its optional companion are one
    variable of one or two tokens."""
    longer_is_line = len(toks) > len(tpl)
    lo, sh = (toks, tpl) if longer_is_line else (tpl, toks)
    n = len(sh)
    for i in range(2, len(lo)):
        if not _BRACKETED_VALUE.match(lo[i]) or VAR not in lo[i - 1] or VAR not in sh[i - 1]:
            continue
        if lo[i - 1].endswith(":") or not any(_is_message_word(x) for x in sh):
            continue  # (a label's value, or no word that names the statement)
        pairs = (*zip(sh[: i - 1], lo[: i - 1], strict=True), *zip(sh[i:], lo[i + 1 :], strict=True))
        # _same_or_value takes the template's token first
        if all(_same_or_value(a, b) if longer_is_line else _same_or_value(b, a) for a, b in pairs):
            return i - 1, n - i
    return None


def _empty_last_field(mt: tuple[str, ...], ml: tuple[str, ...]) -> bool:
    one, many = (mt, ml) if len(mt) < len(ml) else (ml, mt)
    if len(one) != 1 or len(many) < 2 or not one[0].endswith("="):
        return False
    m = _KEY.match(one[0])
    return m is not None and m.end() == len(one[0]) and many[0].startswith(one[0]) and len(many[0]) > len(one[0]) and not any(
        _is_pair(t) for t in many[1:]
    )


def _opens_message(tpl: tuple[str, ...], p: int) -> bool:
    """The text after the value label ``tpl[p - 1]`` is the whole message, not a text the
    message prints after a value: the value follows no word of the message, only the header
    (a message code, Artemis's '[logger] AMQ222107: Cleared up ...', masked to '<*>:')."""
    return not _is_message_word(tpl[p - 2])


def _names_instance(tpl: tuple[str, ...], p: int) -> bool:
    """The value label ``tpl[p - 1]`` follows one word right after the header: the header
    names what prints and its instance (coturn's '<n>: session <id>: ...'), so the text after
    it is the whole message, as after a message code (_opens_message)."""
    return p >= 3 and not any(_is_message_word(x) for x in tpl[: p - 2] if VAR not in x)


# a token of symbols alone that separates a record's fields ("[**]", "|", "::", "--");
# not an arrow ("->", "=>": it joins two values) nor an empty value ("-")
_DELIMITER = re.compile(r"^[^\w\s\"'`]{1,4}$")
_NOT_DELIMITERS = frozenset({"-", "->", "=>", "<-", "<=", ">", "<", ":", "=", ".", ",", ";", "/", "..."})


_GLUED_DELIMITERS = ("|",)


def _delimiter(tok: str) -> bool:
    return tok not in _NOT_DELIMITERS and _DELIMITER.match(tok) is not None and VAR not in tok


def _delimited_field(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> str | None:
    """The delimiter of the record field the differing runs start in: a delimiter token
    printed in the shared prefix that also closes the run (the first token after it) or is
    printed inside both runs as often (the fields after it differ too). None otherwise."""
    nt, nl = len(tpl), len(toks)
    mt, ml = tpl[p : nt - s], toks[p : nl - s]
    for d in _GLUED_DELIMITERS:
        # the record's fields glued by the delimiter ("|Client=...|Stmt=SELECT a FROM t|Digest=|..."):
        # the field before the run and the same field glued to the run's end in both lines
        if d in tpl[p - 1] and d in toks[p - 1]:
            end_t = mt[-1] if d in mt[-1] or not s else tpl[nt - s]
            end_l = ml[-1] if d in ml[-1] or not s else toks[nl - s]
            k = end_t.find(d)
            if k > 0 and end_t[k:] == end_l[end_l.find(d) :] and end_l.find(d) > 0 and _FIELD_KEY.match(end_t[k + 1 :]):
                return d
    for d in dict.fromkeys(x for x in reversed(tpl[:p]) if _delimiter(x)):
        if s > 0 and tpl[nt - s] == d and toks[nl - s] == d and d not in mt and d not in ml:
            return d
        if d in mt[1:] and mt.count(d) == ml.count(d) and d not in (mt[0], ml[0]):
            return d
    return None


_FUNCTION_CALL = re.compile(r"^[A-Za-z_][\w.]*\(")


def _function_call(run: tuple[str, ...]) -> bool:
    """The run is one call expression: a function's name (dotted or not) glued to a round
    bracket that closes at the run's end and not before ("send_webhook(<*>, 'order.paid')",
    "etl.jobs.sync_customers()"): its arguments, however many, belong to one value."""
    if not run or _FUNCTION_CALL.match(run[0]) is None:
        return False
    text = " ".join(run)
    return _closes_at_end(text[text.index("(") :], "(", ")")


def _leading_field(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """Whether the differing runs are the first field of a record delimited by a token of
    symbols: the same delimiter closes both runs and is printed in neither, and the fields
    after it, two or more, are each a "key=value" field ("Load analysis metadata |
    status=SUCCESS | time=<*>"). The keys name the record's fields, so the field before
    them is one of its values, whatever its words; a delimiter before the run is
    _delimited_field's case."""
    nt, nl = len(tpl), len(toks)
    if s < 4:
        return False
    d = tpl[nt - s]
    if d != toks[nl - s] or not _delimiter(d) or d in tpl[p : nt - s] or d in toks[p : nl - s]:
        return False
    fields: list[list[str]] = [[]]
    for x in tpl[nt - s + 1 :]:
        if x == d:
            fields.append([])
        else:
            fields[-1].append(x)
    return len(fields) >= 2 and all(len(f) == 1 and _FIELD_KEY.match(f[0]) for f in fields)


# a record glued by "|" into one token: at least this many fields ("user|ip|share|op|status|path")
_GLUED_RECORD_FIELDS = 4


def _glued_record(tok: str) -> bool:
    """A token of at least _GLUED_RECORD_FIELDS fields glued by "|" whose first fields are
    not empty and hold no space: a record printed as one string (Samba's full_audit
    "user|ip|share|op|status|path", a pipe-separated audit line) rather than a word."""
    fields = tok.split("|")
    return len(fields) >= _GLUED_RECORD_FIELDS and all(f and f[0] not in _QUOTES for f in fields[:2])


def _glued_record_run(mt: tuple[str, ...], ml: tuple[str, ...]) -> bool:
    """Both runs end the line and open with a "|"-glued record (a template's merged record
    is a variable), at least one of them going on over spaces: the record's last fields hold
    texts with spaces ("ok|team/shared docs/notes.txt", "fail (No such file or directory)|r|x")."""
    return (
        (mt[0] == VAR or _glued_record(mt[0])) and _glued_record(ml[0])
        and max(len(mt), len(ml)) > 1
        and not any(_is_pair(x) for x in (*mt, *ml))
    )


# a record of comma-delimited fields: at least this many tokens that end a field with ","
_COMMA_RECORD_FIELDS = 3


def _comma_fields(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """The runs at ``p`` are whole fields of a record delimited by ", ": the field before
    them and the last one inside each end with ",", both runs hold as many fields, a field of
    one holds several words, a field follows them, and the line has at least
    _COMMA_RECORD_FIELDS such fields (Db2's "FUNCTION: DB2 UDB, <component>, <function>,
    probe:<n>"): fields that vary together are the record's values, not another statement."""
    nt, nl = len(tpl), len(toks)
    mt, ml = tpl[p : nt - s], toks[p : nl - s]
    if s == 0 or not tpl[p - 1].endswith(",") or not mt[-1].endswith(",") or not ml[-1].endswith(","):
        return False
    ends_t, ends_l = sum(1 for x in mt if x.endswith(",")), sum(1 for x in ml if x.endswith(","))
    if ends_t != ends_l or (ends_t == len(mt) and ends_l == len(ml)):
        return False  # another number of fields, or fields of one word each (the one-word rules)
    if any(_is_pair(x) or x.endswith(":") for x in (*mt, *ml)):
        return False  # a record of keyed fields: another key is another statement
    return sum(1 for x in tpl if x.endswith(",")) >= _COMMA_RECORD_FIELDS


# a record field that is one plain word: letters, words joined by "_" ("establish", "service_update")
_WORD_FIELD = re.compile(r"^[A-Za-z][a-z]*(?:_[a-z]+)*$")


def _word_field(tokens: tuple[str, ...], start: int, end: int, delimiter: str) -> bool:
    """A token in ``tokens[start:end]`` is a field of the record that is one plain word alone
    between two of its delimiters (a field the record prints as a word, not a value)."""
    return any(
        _WORD_FIELD.match(tokens[i]) is not None
        and 0 < i < len(tokens) - 1 and tokens[i - 1] == delimiter and tokens[i + 1] == delimiter
        for i in range(start, end)
    )


def _logger_field(tokens: tuple[str, ...], start: int, end: int, delimiter: str) -> bool:
    """A token in ``tokens[start:end]`` is a field of the record, holds no value, and the
    field before it is a severity word: the logger of a delimited header ("date | thread |
    level | logger | message", log4j's, NLog's and Besu's layouts)."""
    return any(
        3 <= i < len(tokens) - 1 and tokens[i - 1] == delimiter and tokens[i + 1] == delimiter
        and tokens[i - 3] == delimiter and tokens[i - 2].lower() in _LEVEL_WORDS
        and VAR not in tokens[i] and _has_alpha(tokens[i])
        for i in range(start, end)
    )


def _takes_logger_field(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """The runs a span cut found lie in a delimited record and one of them holds its logger
    field (_logger_field)."""
    if p < 1:
        return False
    d = _delimited_field(tpl, toks, p, s)
    return d is not None and (_logger_field(tpl, p, len(tpl) - s, d) or _logger_field(toks, p, len(toks) - s, d))


def _takes_word_field(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """The runs a span cut found lie in a delimited record and one of them holds a field
    that is one plain word (_word_field)."""
    if p < 1:
        return False
    d = _delimited_field(tpl, toks, p, s)
    return d is not None and (_word_field(tpl, p, len(tpl) - s, d) or _word_field(toks, p, len(toks) - s, d))


def _opening_message(run: tuple[str, ...]) -> str | None:
    """The whole quoted text of words that opens ``run`` (its quote opening the run, so no
    key before it), when the run ends there or goes on with a key=value field; else None."""
    for i, tok in enumerate(run):
        if tok.endswith('"'):
            text = " ".join(run[: i + 1])
            rest = run[i + 1 :]
            if len(text) > 2 and text[0] == '"' and text[1].isalpha() and text.count('"') == 2 and (
                not rest or _FIELD_KEY.match(rest[0])
            ):
                return text
            return None
    return None


def _message_before_fields(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """Both runs a span cut found open with a whole quoted text with no key, the message
    after the header (no plain word before it), the two texts differ, and the line's
    key=value fields follow: a structured logger's message (klog's '"msg" key="v"'), whose
    arguments are its fields, so two such texts are two statements, not one value of two
    lengths."""
    if p < 1 or s < 1 or _PLAIN_WORD.match(tpl[p - 1]) or not _FIELD_KEY.match(tpl[len(tpl) - s]):
        return False
    a = _opening_message(tpl[p : len(tpl) - s])
    b = _opening_message(toks[p : len(toks) - s])
    return a is not None and b is not None and a != b


def _keyed_record(run: tuple[str, ...]) -> bool:
    """A run that is a record of key=value fields: three or more outside any bracket or quote
    the run opens, half its tokens or more (a bracketed argument list, "(argument: "a=<*>
    b=<*>")", or a quoted document, '"<?xml version='1.0' encoding='UTF-8'', is one value
    printed in the text, not the line's record). Numbered keys ("a0=", "a1=", an audit
    record's arguments) are a list's items, printed as many times as it has."""
    depth = keyed = 0
    quoted = False
    for t in run:
        if depth == 0 and not quoted and _FIELD_KEY.match(t) and not _NUMBERED_KEY.match(t):
            keyed += 1
        depth = max(0, depth + sum(map(t.count, "([{")) - sum(map(t.count, ")]}")))
        quoted ^= t.count('"') % 2 == 1
    return keyed >= 3 and 2 * keyed >= len(run)


def _run_over_record(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """One of the runs a span cut found is a record of key=value fields (_keyed_record), and
    the two runs are not the same keys in the same order with flags set among them ("ID=<*>
    DF PROTO=TCP" / "ID=<*> PROTO=TCP", _flag_run's case): a text against a record, or two
    records of other keys or other words, are two statements, not one value."""
    mt, ml = tpl[p : len(tpl) - s], toks[p : len(toks) - s]
    if not (_keyed_record(mt) or _keyed_record(ml)):
        return False
    keys = []
    for run in (mt, ml):
        if not all(_FIELD_KEY.match(t) or _FLAG.match(t) for t in run):
            return True
        keys.append([t[: t.index("=")] for t in run if "=" in t])
    return keys[0] != keys[1]


# a plain word of a sentence: lower-case or capitalised letters (no code, no value)
_SENTENCE_WORD = re.compile(r"^[A-Z]?[a-z]+$")


def _phrase_inside(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """Both runs a span cut found are plain words alone and the message's phrase goes on
    right after them with a word of its own ("... to peer <*>"): the words of two
    statements' phrases, not a text value (a text closed by a delimiter or a bracket may be one)."""
    mt, ml = tpl[p : len(tpl) - s], toks[p : len(toks) - s]
    return (
        s > 0 and bool(mt) and bool(ml) and _SENTENCE_WORD.match(tpl[len(tpl) - s]) is not None
        and all(_SENTENCE_WORD.match(x) for x in (*mt, *ml))
    )


def _named_label(tok: str) -> bool:
    """A name ending in ":" that holds no space and is shaped like a value (joined by "_",
    "-", "." or "/", or masked): "docker_containers:", "pack_ossec-rootkit:", "<*>:"."""
    name = tok[:-1]
    return tok.endswith(":") and bool(name) and (VAR in name or _JOINED.match(name) is not None or _DOTTED.match(name) is not None)


_CALL_VALUE = re.compile(r"^[A-Z][A-Za-z0-9_]*\(")


def _call_value(run: tuple[str, ...]) -> bool:
    """The run is one value printed as its constructor: a capitalised name and one bracket
    that closes at the run's end ("Completed()", "Cached(type=COMPLETED)", "Failed('a b')")."""
    return _CALL_VALUE.match(run[0]) is not None and _function_call(run)


_GROUP_OPENERS = "([{"


def _group_end(tokens: tuple[str, ...], start: int, opener: str) -> int | None:
    """Index of the token that closes the bracket ``opener`` opened by ``tokens[start]``."""
    closer = _CLOSERS[opener]
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].count(opener) - tokens[i].count(closer)
        if depth <= 0:
            return i if depth == 0 else None
    return None


def _bracket_group_cut(tpl: tuple[str, ...], toks: tuple[str, ...]) -> tuple[int, int] | None:
    """(prefix, suffix) when the line and the template, of different lengths, differ only
    inside one group in brackets that both open at one place after words that name the
    statement, and both print the same tokens after it: a list or an argument group of
    another length ("avc: denied { read write } for" / "{ <*> } for", "Spawn extension
    (from-trunk, s, 1) exited" / "(<*>) exited"). The group, brackets included, is one value."""
    nt, nl = len(tpl), len(toks)
    if nt == nl or min(nt, nl) < 3:
        return None
    short = min(nt, nl)
    openers = [q for q in range(1, short) if _opening(tpl[q])[-1:] in _GROUP_OPENERS]
    if not openers:
        return None
    # the group opens where the two still agree: the common prefix matters up to the last opener
    p = 0
    while p < min(short - 1, openers[-1]) and _same_or_value(tpl[p], toks[p]):
        p += 1
    for q in reversed(openers):
        if q > p:
            continue
        o = _opening(tpl[q])
        if _opening(toks[q]) != o:
            continue
        et, el = _group_end(tpl, q, o[-1]), _group_end(toks, q, o[-1])
        if et is None or el is None or nt - et != nl - el:
            continue
        if not all(_same_or_value(a, b) for a, b in zip(tpl[et + 1 :], toks[el + 1 :], strict=True)):
            continue
        if sum(1 for x in tpl[:q] if _is_message_word(x)) < 2:
            return None  # one word before it names too little: a header's or a code's group
        if 2 * sum(1 for x in tpl[:q] if VAR not in x) < q:
            # a prefix of values mostly (a header, then a few words): the span it made would
            # take other statements of the program as its prefix's words generalise
            return None
        inner_t, inner_l = tpl[q : et + 1], toks[q : el + 1]
        if any(_is_pair(x) for x in (*inner_t, *inner_l)):
            return None  # a record of fields in brackets: other keys are another statement
        if not any(VAR in x for x in inner_t):
            return None  # the template has not shown a value in the group yet
        if len(inner_t) == 1 and not any(VAR in x or x.endswith(",") for x in inner_l):
            # one bracketed value ("()" is masked so too) against words alone in brackets:
            # a phrase ("(cache miss)"), not a list of items
            return None
        return q, nt - et - 1
    return None


def _span_cut(
    tpl: tuple[str, ...], toks: tuple[str, ...], tails: Callable[[tuple[str, ...], tuple[str, ...], int, int], bool] | None = None,
    message_runs: bool = False, quoted_texts: bool = False, severity_labels: bool = False,
    field_texts: Callable[[tuple[str, ...], tuple[str, ...], int, int], bool] | None = None,
    delimited_fields: bool = False, constructor_values: bool = False, named_texts: bool = False,
    prose_tails: bool = False, json_keys_in_objects: bool = False, leading_fields: bool = False,
    call_values: bool = False, bracketed_headers: bool = False, level_words: bool = False,
    glued_records: bool = False, comma_fields: bool = False, one_bracket_runs: bool = False,
    label_after_message_word: bool = False, status_text_case: bool = False,
    vouching_outside_run: bool = False, enclosed_header_words: bool = False,
    sentence_texts: Callable[[tuple[str, ...], tuple[str, ...], int], bool] | None = None,
    valued_texts: bool = False, header_tails: bool = False, duration_values: bool = False,
    tag_host_header: bool = False, distinguished_names: bool = False, header_words: bool = False,
    enclosed_groups_named: bool = False, spaced_paths: bool = False, valued_tails: bool = False,
    quoted_paths: bool = False,
) -> tuple[int, int] | None:
    """(prefix, suffix) lengths when the line and the template differ only in one run of
    words that is a free-text value (see TemplateEngine._learn_span), else None. ``tails``
    says whether the texts ending lines after one plain label already vary enough."""
    nt, nl = len(tpl), len(toks)
    if nt - nl in (1, -1) and min(nt, nl) >= 3:
        cut = _optional_bracket(tpl, toks)
        if cut is not None:
            return cut
    short = min(nt, nl)
    p = 0
    while p < short - 1 and _same_or_value(tpl[p], toks[p], header_words):
        p += 1
    if p == 0 or (nt == nl and _same_or_value(tpl[p], toks[p], header_words)):
        return None
    s = _shared_suffix(tpl, toks, short - p - 1)
    mt, ml = tpl[p : nt - s], toks[p : nl - s]
    if nt == nl and len(mt) < 2:
        return None  # one differing word of one length: the sibling rules decide
    if nt != nl and s > 0 and p >= 2 and _flag_run(tpl, mt, ml, p, s):
        # the run goes on over the record's fields up to the last one: flags may be set at
        # several places of one record ("DF" ... "ACK PSH")
        while s > 1 and _field_or_flag(tpl[nt - s]):
            s -= 1
        return p, s
    if nt != nl and p >= 2 and _value_with_unit(mt) != _value_with_unit(ml) and _one_quantity(mt) and _one_quantity(ml):
        # a quantity printed with its unit in one line and in a form of its own in the other
        # ("lifetime <1 sec" / "lifetime 00:02"): one value
        return p, s
    if (
        duration_values and nt != nl and p >= 2
        and _duration_run(tpl[p - 1 : nt - s]) and _duration_run(toks[p - 1 : nl - s])
    ):
        # the two lines print one duration in different counts of units ("<*> min <*> s" /
        # "<*> s"; the alignment matched their first numbers): the whole duration is the value
        return p - 1, s
    if (
        distinguished_names and nt != nl and p >= 2
        and any(_is_message_word(x) for x in (*tpl[: p - 1], *tpl[nt - s :]))
    ):
        # both lines print a distinguished name there, of different counts of words: one value
        # (its first token may hold a masked value and was then taken for the prefix)
        for q in (p - 1, p):
            if _distinguished_names(tpl[q : nt - s], toks[q : nl - s]):
                return q, s
    if spaced_paths and nt != nl and p >= 2 and any(_is_message_word(x) for x in (*tpl[: p - 1], *tpl[nt - s :])):
        # one line prints a path with spaces in its names there, the other a path or a value
        # (the alignment may have matched the path's first or last piece): one value
        for q in (p, p - 1):
            for e in (s, s - 1):
                if e >= 0 and _spaced_paths(tpl[q : nt - e], toks[q : nl - e]):
                    return q, e
    if quoted_paths and nt != nl and p >= 2:
        # both lines print a quoted path there, of different counts of words (the alignment
        # may have matched the quote's opening pieces and its masked closing piece): one value
        cut = _quoted_paths_cut(tpl, toks, p, s)
        if cut is not None:
            return cut
    if nt != nl and p >= 2:
        q = _numbered_run(tpl, toks, p, s)
        if q is not None:
            return q, s
    if nt != nl and s == 0 and p >= 2 and _empty_last_field(mt, ml):
        # a record's last field printed empty against the same field with a text of several
        # words ("text=" / "text=invalid DN"): one value of any length, empty included
        return p, s
    pair_text = nt != nl and _reason_pair(tpl[p - 1]) and _reason_pair(toks[p - 1])
    if (
        not (mt == (VAR,) or _quoted_var(mt) or any(_has_alpha(x) for x in mt)) or not any(_has_alpha(x) for x in ml)
    ) and not (pair_text and any(_has_alpha(x) for x in (*mt, *ml))):
        # runs of values only: lists and numbers are other rules' business (a template's
        # variable is a text already, e.g. one loaded from the registry); a command line's
        # arguments may be values only ("command=bash /usr/bin/x" / "command=sh -c id")
        return None
    field = _delimited_field(tpl, toks, p, s) if delimited_fields and field_texts is not None and p >= 2 else None
    if (
        field is not None
        and (field in _GLUED_DELIMITERS or field in mt or any(_is_message_word(x) for x in (*tpl[: p - 1], *tpl[nt - s :])))
        and field_texts is not None and field_texts(tpl, toks, p, s)
    ):
        # a field of a record delimited by a token of symbols ("[**] [1:2221010:1] SURICATA
        # HTTP unable to match response to request [**] [Classification: ...]"): the text
        # printed in it, once that field has shown several, is the field's value (the
        # delimiters printed in both runs at one place are the record's, not a phrase's)
        return p, s
    if (
        leading_fields and field_texts is not None and p >= 2 and _leading_field(tpl, toks, p, s)
        and field_texts(tpl, toks, p, s)
    ):
        # the first field of a record whose other fields are keyed ("Extract report |
        # status=SUCCESS | time=<*>"): the text printed in it, once it has shown several
        return p, s
    if (
        glued_records and field_texts is not None and s == 0 and p >= 2
        and any(_is_message_word(x) for x in tpl[: p - 1])
        and (_glued_record_run(mt, ml) or _glued_record_run(ml, mt)) and field_texts(tpl, toks, p, s)
    ):
        # a record of "|"-glued fields ends the line after the message's words, and its
        # last fields hold spaces in one of the lines: the whole record is the value printed
        # there, once that place has shown several
        return p, s
    if (
        comma_fields and field_texts is not None and p >= 2 and any(_is_message_word(x) for x in tpl[: p - 1])
        and _comma_fields(tpl, toks, p, s) and field_texts(tpl, toks, p, s)
    ):
        # comma-delimited fields that hold words and differ together ("DB2 UDB, data
        # protection services, sqlpgArchiveLogFile, probe:3180" / "oper system services,
        # sqloSleepInstance,"), once that place has shown several: the record's values
        return p, s
    if nt == nl and any(a == b for a, b in zip(mt[1:-1], ml[1:-1], strict=True)):
        # words in the same places inside both runs: a phrase with several values
        # ("(view) outlet from (A) to (B)"), left to the one-word rules
        return None
    # the words that say which message this is: neither a label ("core:", "LOG:") nor a
    # bracketed level or component ("[INFO]"), nor a value
    grouped = _bracket_groups(tpl, p) if bracketed_headers else frozenset()
    fixed = [x for i, x in enumerate(tpl[: p - 1]) if i not in grouped and _is_message_word(x)]
    fixed += [x for x in tpl[nt - s :] if _is_message_word(x)]
    # the words that may vouch for a text after a plain label being a value: a severity word
    # is the header's, printed alike before every statement
    vouching = [x for x in fixed if not (level_words and x.lower() in _LEVEL_WORDS)]
    if quoted_texts and nt != nl and _value_against_quoted_text(mt, ml, sum(1 for x in (*tpl[:p], *tpl[nt - s :]) if x != VAR)):
        # a value printed as one token in one line and as a quoted text of several words in
        # the other (a user agent "Grafana/11.3.1" / "Mozilla/5.0 (X11; Linux x86_64) ..."): one value
        return p, s
    if nt != nl:
        # a bracketed list whose first items were taken for the prefix (its items are
        # values): the run starts at the list's opening bracket
        for q in range(p - 1, 0, -1):
            o = _opening(tpl[q])
            if (
                len(o) > 1
                and o == _opening(toks[q])
                and _enclosed(tpl[q : nt - s])
                and _enclosed(toks[q : nl - s])
                and any(_is_message_word(x) for x in tpl[:q])
            ):
                return q, s
    if (
        constructor_values and field_texts is not None and nt != nl and s == 0 and p >= 2 and fixed
        and _is_message_word(tpl[p - 1]) and _call_value(mt) and _call_value(ml) and field_texts(tpl, toks, p, s)
    ):
        # a value printed as its constructor ends the line after the message's words
        # ("Finished in state Completed()" / "Failed('connection refused: ...')"), once
        # that place has shown several: one value
        return p, s
    if (
        named_texts and field_texts is not None and nt != nl and s == 0 and fixed and _closes_phrase(tpl, p)
        and not tpl[p - 1].endswith(":") and len(mt) > 1 and len(ml) > 1
        and _named_label(mt[0]) and _named_label(ml[0]) and _free_text(mt[1:]) and _free_text(ml[1:])
        and field_texts(tpl, toks, p, s)
    ):
        # a name and its text end the line after the message's phrase ("Executing scheduled
        # query docker_containers: SELECT id FROM ..." / "... pack_x: select * from ..."):
        # the name is a value, and so is the text it labels
        return p, s
    if (
        call_values and field_texts is not None and nt != nl and p >= 2 and fixed and _is_message_word(tpl[p - 1])
        and _function_call(mt) and _function_call(ml) and field_texts(tpl, toks, p, s)
    ):
        # a function call with its arguments after the message's words, as a task queue
        # prints the job it runs ("process message send_webhook(<*>, 'order.paid')" /
        # "refresh_token('paypal')"), once that place has shown several: one value
        return p, s
    label = tpl[p - 1]
    if nt != nl and p >= 2 and fixed and _reason_pair(label) and _reason_pair(toks[p - 1]):
        # the text starts at the pair's value (the pair is in the run) and runs on to the
        # next key=value pair or the end of the line, whatever words the two texts share
        nxt = next((j for j in range(p, nt) if _is_pair(tpl[j])), nt)
        return p - 1, min(s, nt - nxt)
    if nt != nl and p >= 2 and fixed and _unquoted_value(tpl, toks, p):
        # a field's value printed unquoted with spaces, up to the next field: one value
        nxt = next(j for j in range(p, nt) if _is_pair(tpl[j]))
        return p - 1, nt - nxt
    # after a label, only a run of another length: texts of one length after a label
    # are as often different statements ("Wake reason: RTC (Alarm)" / "... ARPT
    # (Network)" in Loghub's ground truth), left to the one-word rules
    if label.endswith(":") and p >= 2 and fixed and nt != nl:
        if _JSON_KEY.match(label) and not (json_keys_in_objects and not _inside_braces(tpl, p - 1)):
            return p, s  # '"error": "..."': a key's value
        if _reason_label(label) and not (severity_labels and _severity_label(label)):
            return p, s
    if (
        nt != nl and s == 0 and _bare_value_label(label) and p >= 2 and fixed
        and (_nested_text(mt) or _nested_text(ml))
        and not (prose_tails and (_structured_text(mt) or _structured_text(ml)))
        and not (message_runs and (_opens_message(tpl, p) or _names_instance(tpl, p)))
        and not (severity_labels and (_severity_label(mt[0]) or _severity_label(ml[0])))
        and not (sentence_texts is not None and sentence_texts(tpl, toks, p))
    ):
        # ending the line after a value ending in ":" ("from <*>:<*>: ...", "succeeded in
        # <*>: ..."), a text of another length that carries structure of its own (a label of
        # an error chain, "remote error: tls: bad certificate"; a bracketed repr,
        # "TimeoutError('read timed out')", "{'sent': 3}") is the value printed there
        return p, s
    if (
        nt != nl and label == VAR and VAR in toks[p - 1] and fixed and _phrase(mt) and _phrase(ml)
        and not (status_text_case and not (_status_text(mt) and _status_text(ml)))
    ):
        # a code's text after the code ("200 OK" / "404 Not Found" / "500 Internal Server
        # Error", HTTP status lines in access logs and request logs): one value
        return p, s
    q = p
    while q > p - 2 and q > 1 and VAR in tpl[q - 1] and not tpl[q - 1].endswith(":"):
        q -= 1  # a list's first value was taken for the prefix ("pgs: 12 active+clean, ...")
    if (
        q < p and q >= 2 and vouching and tails is not None and _plain_label(tpl[q - 1])
        and not (label_after_message_word and not _follows_message_word(tpl, q - 1, tag_host_header))
        and not (header_tails and _header_only(tpl, q - 1, tag_host_header))
        and not (valued_texts and not _outcome_label(tpl[q - 1]) and _valued_texts(tpl[q : nt - s], toks[q : nl - s]))
        and tails(tpl, toks, q, s)
    ):
        return q, s
    plain_label = _plain_label(label) and not (severity_labels and _severity_label(label))
    if (
        plain_label and p >= 2 and vouching and tails is not None
        and not (label_after_message_word and not _follows_message_word(tpl, p - 1, tag_host_header))
        and not (header_tails and _header_only(tpl, p - 1, tag_host_header))
        and not (valued_texts and not _outcome_label(label) and _valued_texts(mt, ml))
        and tails(tpl, toks, p, s)
    ):
        # a text after a plain word label ("Client connection closed: Read Error"), once
        # that place has shown enough different texts of plain words: one value
        return p, s
    if label.endswith(":") and p >= 2 and fixed and nt != nl:
        return None
    if (
        s == 0 and p >= 2 and fixed and _is_message_word(label) and tails is not None
        and not (header_tails and _header_only(tpl, p, tag_host_header))
        and not (valued_texts and valued_tails and _valued_texts(mt, ml))
        and tails(tpl, toks, p, -1)
    ):
        # words ending the line after the message's fixed words ("Caches are synced for
        # persistent volume" / "daemon sets" / "job"): one value once they took as many
        # forms as a plain word position needs (min_word_values)
        return p, s
    # two runs enclosed in one kind of bracket: one bracketed value, when a word of the message
    # stands around it (with enclosed_header_words, not a severity word nor the words of a
    # bracketed header field, "INFO (<*>) [ ] ..." / "INFO (<*>) [c:<*> ...] ...": they stand
    # before every statement alike)
    if (
        _enclosed(mt) and _enclosed(ml) and _opening(mt[0]) == _opening(ml[0]) and (fixed or _is_message_word(label))
        and not (one_bracket_runs and _bracketed_record(label, mt, ml))
        and not (enclosed_groups_named and nt != nl and _different_groups(tpl[p:], toks[p:], nt - p - s, nl - p - s))
        and not (enclosed_header_words and not _is_message_word(label) and not _message_words_around(tpl, p, nt - s))
    ):
        return p, s
    if nt != nl and mt[0][:1] in "([" and ml[0][:1] == mt[0][:1] and (fixed or _is_message_word(label)):
        # the two runs open the same bracket and the shared suffix ate its end ("(Views: <*>
        # | ActiveRecord: <*> | Allocations: <*>)" / "(ActiveRecord: <*> | Allocations:
        # <*>)"): the run is the bracketed text, up to where it closes in both lines
        for e in range(s - 1, -1, -1):
            if _one_bracket(tpl[p : nt - e]) and _one_bracket(toks[p : nl - e]):
                if (
                    vouching_outside_run and not _is_message_word(label)
                    and not any(_is_message_word(x) for i, x in enumerate(tpl[: p - 1]) if i not in grouped)
                    and not any(_is_message_word(x) for x in tpl[nt - e :])
                ):
                    # the only words that vouched were in the suffix the bracket takes back:
                    # nothing of the statement stands outside the text, which is then the
                    # whole message of the line, not a value in it
                    break
                return p, e

    if nt != nl:
        # the run's first token held a value ("(250 2.0.0 OK)" / "(connect to ..."), so it
        # was taken for the prefix: back off to the bracket that opens the run, when that
        # bracket closes only at the run's end
        for q in range(p - 1, 0, -1):
            o = tpl[q][:1]
            if o not in "([" or toks[q][:1] != o:
                continue
            if (
                _one_bracket(tpl[q : nt - s])
                and _one_bracket(toks[q : nl - s])
                and any(_is_message_word(x) for x in tpl[:q])
            ):
                return q, s
            break
    return None


def _valued_text(run: tuple[str, ...]) -> bool:
    """A text of the program's own with a value printed in it: a plain word first, a value
    after it, plain words making up most of the rest ("Invalid window <*> specified for <*>.",
    "finished at <*>, elapsed: <*>"): a statement's format string with its arguments."""
    if len(run) < 2 or _PLAIN_WORD.match(run[0]) is None:
        return False
    values = sum(1 for x in run if VAR in x)
    words = sum(1 for x in run if VAR not in x and _PLAIN_WORD.match(x) is not None)
    return values > 0 and words >= 1 and 2 * words >= len(run) - values


def _outcome_label(tok: str) -> bool:
    """A label that is a past participle ("failed:", "rejected:"): an outcome, whose reason
    text follows it as a value."""
    return tok.endswith("ed:") and tok[:-1].isalpha()


def _valued_texts(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two texts of the program's own, each with a value printed in it (_valued_text), that
    share no word: two statements' format strings, not one text's variants."""
    if not (_valued_text(a) and _valued_text(b)):
        return False
    wa = {x.lower().rstrip(_TRAIL) for x in a if VAR not in x}
    wb = {x.lower().rstrip(_TRAIL) for x in b if VAR not in x}
    return not (wa & wb)


_ARGUMENT = re.compile(r"^([A-Za-z][\w.-]*[(\[])([^\s()\[\]]+)([)\]][:,]?)$")
_FRAMED = re.compile(r"^[A-Za-z][\w.-]*(?:\(<\*>\)|\[<\*>\])[:,]?$")
_CALL_OPEN = re.compile(r"^[A-Za-z_][\w.]*[(\[{]|^[(\[{]")


_FLAG = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _flag_run(tpl: tuple[str, ...], mt: tuple[str, ...], ml: tuple[str, ...], p: int, s: int) -> bool:
    """The two runs differ only in bare upper-case words between ``key=value`` fields of a
    record: flags, printed when set (netfilter's ``DF``, the TCP flags ``SYN`` / ``ACK PSH``),
    whose number is data. The runs lie between two fields, hold the same keys in the same
    order, at least one flag, and nothing else; most of the line is fields."""
    if not (_is_pair(tpl[p - 1]) and _is_pair(tpl[len(tpl) - s])):
        return False
    if 2 * sum(1 for t in tpl if _is_pair(t)) < len(tpl):
        return False
    keys: list[list[str]] = []
    flags = 0
    for run in (mt, ml):
        k = []
        for t in run:
            if _is_pair(t):
                k.append(t[: t.index("=")])
            elif _FLAG.match(t):
                flags += 1
            else:
                return False
        keys.append(k)
    return flags > 0 and keys[0] == keys[1]


_NUMBERED_KEY = re.compile(r"^([A-Za-z_]+)(\d+)=.")


def _value_with_unit(run: tuple[str, ...]) -> bool:
    return len(run) == 2 and VAR in run[0] and _unit(run[1].rstrip(",;"))


# units of time, ranked by size: a duration prints its larger units first ("2 h 5 min 3 s")
_DURATION_RANKS = {
    **dict.fromkeys(("ms",), 0),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 2),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3),
    **dict.fromkeys(("d", "day", "days"), 4),
}


def _duration_run(run: tuple[str, ...]) -> bool:
    """Whether ``run`` is one duration of numbers each with its unit of time, larger units
    first ("<*> min <*> s", "<*> hrs <*> mins,"): the count of units changes with the value."""
    if len(run) < 2 or len(run) % 2:
        return False
    ranks: list[int] = []
    for number, unit in zip(run[::2], run[1::2], strict=True):
        if VAR not in number or _has_alpha(number.replace(VAR, "")):
            return False
        rank = _DURATION_RANKS.get(unit.rstrip(",;"))
        if rank is None or (ranks and rank >= ranks[-1]):
            return False
        ranks.append(rank)
    return True


_DN_ATTRIBUTE = re.compile(r"(?:^|(?<=[/,=\[( ]))[A-Z]{1,3}=")
_DN_JOINED = re.compile(r"[/,] ?[A-Z]{1,3}=")
_DN_OPENING = re.compile(r"^(?:<\*>|[/\[(\"']?[A-Z]{1,3})=")
_DN_TYPE_END = re.compile(r"[A-Z]{0,3}=?$")


def _distinguished_name_run(run: tuple[str, ...]) -> bool:
    """The run opens with an attribute of a distinguished name ("CN=node-opcua,",
    "/DC=org/DC=tcs/O=Example") and holds two at least, one joined to the one before it by
    "/" or "," (a DN, not "key=value" fields apart)."""
    if not run or not _DN_OPENING.match(run[0]):
        return False
    text = " ".join(run)
    return len(_DN_ATTRIBUTE.findall(text)) >= 2 and _DN_JOINED.search(text) is not None


def _distinguished_names(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Both runs are a distinguished name (_distinguished_name_run), or their first tokens
    print the same glued field key and a distinguished name as its value
    ("[SubjectID=CN=Agent" / "[SubjectID=CN=ipa-agent,O=EXAMPLE.COM]")."""
    if not a or not b:
        return False
    if _distinguished_name_run(a) and _distinguished_name_run(b):
        return True
    n = 0
    while n < min(len(a[0]), len(b[0])) and a[0][n] == b[0][n]:
        n += 1
    k = n - len(_DN_TYPE_END.findall(a[0][:n])[0])
    return (
        k > 0 and a[0][k - 1] == "="
        and _distinguished_name_run((a[0][k:], *a[1:])) and _distinguished_name_run((b[0][k:], *b[1:]))
    )


_PATH_JOIN = re.compile(r"[^\s/\\][/\\][^\s/\\]")
_NAMES_JOIN = re.compile(r"[A-Za-z][/\\][^\s/\\]|[^\s/\\][/\\][A-Za-z]")
_FILE_NAME_END = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")


def _spaced_path_run(run: tuple[str, ...]) -> bool:
    """The run is one path whose names hold spaces ("Music/Album <*>/<*>:", '"<*> - Maria
    Tambien.ogg"', "Boards of Canada/Music Has the Right to Children/<*> - Roygbiv.flac"):
    two tokens at least, no field ("=") or record ("|"), no quote but the run's own, no
    token but the last ending a clause (":", ",", ";"); the last token a path's end (a
    piece joined by "/" or "\\", a file's extension: "TCP/IP SERVICES FOR PORT <*>" is a
    sentence), a name joined by "/" or "\\" before it (a text that only ends in a path is a
    sentence too) or, where masking took the path's root, a quoted value first, and every
    bracket it opens closed in it (MIME types in a bracketed part, "(text/plain to
    image/png,", join names too)."""
    if len(run) < 2 or any(x[-1:] in ":,;" or x.startswith(VAR + ":") for x in run[:-1]):
        return False
    if any(c in x for x in run for c in "=|") or any(c in x[1:] for x in run[:-1] for c in _QUOTES):
        return False  # fields and records, or quoted texts inside the run: not one name
    if run[0] == run[-1] or any("::" in x or "()" in x for x in run):
        return False  # a name printed twice around code ("sr/ps/qf3 PowerSupply::On() - sr/ps/qf3")
    inner = " ".join(run).lstrip("([")
    if any(inner.count(opener) > inner.count(closer) for opener, closer in ("()", "[]")):
        return False  # it opens a bracket it does not close: a sentence's bracketed part ("pdftopdf (text/plain to image/png,")
    last = run[-1].rstrip(":,;").rstrip(_QUOTES + ")]")
    if not (_PATH_JOIN.search(last) or _FILE_NAME_END.search(last)):
        return False
    if any(_NAMES_JOIN.search(x) for x in run[:-1]):
        return True
    first = run[0].lstrip("([")
    return first[:1] in _QUOTES and first[1:] == VAR and last != run[-1].rstrip(":,;") and _FILE_NAME_END.search(last) is not None


def _one_path(tok: str) -> bool:
    """A token that is a value or a path, maybe quoted or ending a clause ("<*>", '"<*>"',
    "/etc/app.conf:"), not a field (no "=")."""
    core = tok.rstrip(":,;").strip(_QUOTES)
    return "=" not in core and (core == VAR or _PATH_JOIN.search(core) is not None)


def _spaced_paths(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One run is a path with spaces (_spaced_path_run) and the other one too, or one token
    holding a value or a path ("<*>", '"<*>"', "/etc/app.conf")."""
    if not a or not b or len(a) == len(b):
        return False
    for x, y in ((a, b), (b, a)):
        if _spaced_path_run(x) and (
            _spaced_path_run(y) or (len(y) == 1 and _one_path(y[0]))
        ):
            return True
    return False


# a quote opening a token, maybe after a string literal's one-letter prefix ('"', "'", 'L"', "u'")
_QUOTE_OPENING = re.compile(r"""^[A-Za-z]?(["'])""")
# a path's start inside a quote: a drive, a root, a home or a relative directory, or two names
# joined by "/", "\\" or an escaped "\\\\" ("C:\\Program", "/srv/music", "Games\\\\Old")
_QUOTED_PATH_START = re.compile(r"^(?:[A-Za-z]:|~|\.{1,2})?(?:/|\\{1,2})[\w.(-]|[\w.-](?:/|\\{1,2})[\w.(-]")


def _quote_opening(tok: str) -> str:
    """The quote character ``tok`` opens a path with (see _QUOTED_PATH_START), or ""."""
    m = _QUOTE_OPENING.match(tok)
    if m is None or _QUOTED_PATH_START.search(tok[m.end() :]) is None:
        return ""
    return m.group(1)


def _quoted_path_run(run: tuple[str, ...]) -> bool:
    """The run is one quoted path: its first token opens a quote on a path (_quote_opening),
    its last token closes that quote (":", ",", ";" after it), no quote, field ("=") or record
    ("|") between; the pieces after the first may be anything masking made of the names."""
    if not run:
        return False
    q = _quote_opening(run[0])
    if not q or any(c in x for x in run for c in "=|"):
        return False
    body = " ".join(run).rstrip(":,;")
    start = body.index(q) + 1
    return len(body) > start and body.endswith(q) and q not in body[start:-1]


def _quoted_paths_cut(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> tuple[int, int] | None:
    """(prefix, suffix) where the template and the line both print a quoted path
    (_quoted_path_run) from one place up to another, of different counts of tokens, the place
    opening at the first difference or at most three tokens before it (the tokens of the
    path that agree), after a word of the statement: the two paths are one value."""
    nt, nl = len(tpl), len(toks)
    for q in range(p, max(p - 3, 1) - 1, -1):
        if not _quote_opening(tpl[q]) or not _quote_opening(toks[q]):
            continue
        if not any(_is_message_word(x) for x in tpl[:q]):
            return None
        for e in range(min(s, nt - q - 1, nl - q - 1), -1, -1):
            if _quoted_path_run(tpl[q : nt - e]) and _quoted_path_run(toks[q : nl - e]):
                return q, e
        return None
    return None


def _one_quantity(run: tuple[str, ...]) -> bool:
    """One value token, or a value and its unit (see _value_with_unit)."""
    return (len(run) == 1 and VAR in run[0] and not _has_alpha(run[0].replace(VAR, ""))) or _value_with_unit(run)


def _numbered_run(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> int | None:
    """Where the two lines differ only in how many fields of one numbered key they print
    (auditd's ``argc=3 a0="ls" a1="-l" a2="/tmp"``, ``arg0= arg1=``, register dumps): the
    start of that list of fields, else None. The list is the fields ``<name><n>=`` of one
    name with n counting up from the first, in both lines; its length is data, as a list's is."""
    start = p
    while start > 1 and _NUMBERED_KEY.match(tpl[start - 1]) is not None:
        start -= 1
    names = []
    for line in (tpl, toks):
        end = len(line) - s
        run = line[start:end]
        if not run:
            return None
        first = _NUMBERED_KEY.match(run[0])
        if first is None:
            return None
        name, n = first.group(1), int(first.group(2))
        for k, t in enumerate(run):
            m = _NUMBERED_KEY.match(t)
            if m is None or m.group(1) != name or int(m.group(2)) != n + k:
                return None
        names.append((name, n))
    return start if names[0] == names[1] else None


_FIELD_KEY = re.compile(r"^[A-Za-z_][\w.-]*=")


def _unquoted_value(tpl: tuple[str, ...], toks: tuple[str, ...], p: int) -> bool:
    """Both lines continue the same ``key=value`` field at ``p`` with tokens that are not
    fields, up to a next field of the same key, in a record of at least three fields: the
    value was printed unquoted and holds spaces (structlog's console renderer:
    ``user_agent=Mozilla/5.0 (X11; Linux x86_64) ... user_id=7`` against ``user_agent=curl/8.4.0
    user_id=7``). The rest of the lines must then align (the suffix is what the cut keeps)."""
    a, b = tpl[p - 1], toks[p - 1]
    if not (_is_pair(a) and _is_pair(b)) or a[: a.index("=")] != b[: b.index("=")] or not _FIELD_KEY.match(a):
        return False  # a key, not a bracketed header ("[lvl=2]") before the message
    ends = []
    for line in (tpl, toks):
        j = p
        while j < len(line) and not _is_pair(line[j]):
            j += 1
        if j == len(line) or sum(1 for t in line if _is_pair(t)) < 3:
            return False
        ends.append(j)
    ja, jb = ends
    if ja == p and jb == p:
        return False
    if not any(not t.isalpha() for t in (*tpl[p:ja], *toks[p:jb])):
        # plain words after a field ("user=bob restricted shell=...") may be words of the
        # statement; a continued value shows structure of its own ("(X11; Linux x86_64)")
        return False
    ka, kb = tpl[ja], toks[jb]
    return ka[: ka.index("=")] == kb[: kb.index("=")] and len(tpl) - ja == len(toks) - jb


def _field_or_flag(tok: str) -> bool:
    return _is_pair(tok) or _FLAG.match(tok) is not None


def _bare_value_label(tok: str) -> bool:
    """A value and its ":" alone ("<*>:", "<*>:<*>:" for host:port:), no name or bracket."""
    return tok.endswith(":") and VAR in tok and not tok.replace(VAR, "").strip(":.")


# a name with its argument in brackets before ":" ("command(queryId=<*>):", "session(<*>):")
_FRAMED_LABEL = re.compile(r"^[A-Za-z_][\w.-]*[(\[](?:[\w.-]+=)?<\*>[)\]]:$")


def _value_label(tok: str) -> bool:
    """A value ending in ":", maybe in brackets ("<*>:", "(<*>):", "(<*>/<*>):") or after
    the name it is an argument of ("command(queryId=<*>):")."""
    return tok.endswith(":") and VAR in tok and (not _has_alpha(tok) or _FRAMED_LABEL.match(tok) is not None)


def _prose(run: tuple[str, ...]) -> bool:
    """A text of plain words (an error's or a reason's text), a value among them at most
    ("illegal port <*>"): no label, bracket, quote or code of its own."""
    words = [x for x in run if x != VAR]
    return (
        _PLAIN_WORD.match(run[0]) is not None
        and len(words) >= len(run) - 1
        and all(_PLAIN_WORD.match(x) and not x.endswith((":", ",", ";")) for x in words)
    )


def _shared_suffix(tpl: tuple[str, ...], toks: tuple[str, ...], most: int) -> int:
    """How many tokens a template and a line agree on from the right (each token covered, or
    a value of one shape in both), at most ``most``."""
    s = 0
    while s < most and _same_or_value(tpl[len(tpl) - 1 - s], toks[len(toks) - 1 - s]):
        s += 1
    return s


def _tail_start(tpl: tuple[str, ...], toks: tuple[str, ...]) -> int | None:
    """Where a template and a line of different lengths stop agreeing from the left (each
    token covered, or a value of one shape in both), at most at the shorter one's last token;
    None for one length."""
    if len(tpl) == len(toks):
        return None
    short = min(len(tpl), len(toks))
    p = 0
    while p < short - 1 and _same_or_value(tpl[p], toks[p]):
        p += 1
    return p


def _value_label_text(
    tpl: tuple[str, ...], toks: tuple[str, ...], texts_vary: Callable[[tuple[str, ...], tuple[str, ...], int, int], bool],
    tag_texts_kept: bool = False,
    sentence_texts: Callable[[tuple[str, ...], tuple[str, ...], int], bool] | None = None,
    tag_host_header: bool = False,
) -> tuple[int, int] | None:
    """(prefix, 0) when the line and the template differ only in a text of plain words of
    another length that ends the line right after a value ending in ":", which follows a
    word of the message ("profile connect failed for <addr>: Protocol not available" /
    "Device or resource busy"), and that place has shown several texts. C programs print
    an error as "%s: %s" with strerror(), servers print a rejection's reason after the
    rejected item: the text is the statement's argument, its words no statement's own.
    Texts of one length are left to the one-word rules; texts that open with the same word
    or hold a clause after a comma ("invalid or missing program image, Permission denied")
    are a fixed phrase of the statement with a value in it; a header's value ("ARPT: <*>:
    ...", "bird: <*>: ...") does not qualify: the word before the value is a label there."""
    p = _tail_start(tpl, toks)
    if p is None:
        return None
    if p < 3 or not _value_label(tpl[p - 1]) or not _same_or_value(tpl[p - 1], toks[p - 1]):
        return None
    if not _is_message_word(tpl[p - 2]) or _severity_label(tpl[p - 2]):
        return None
    if not (_prose(tpl[p:]) and _prose(toks[p:])):
        return None
    if not texts_vary(tpl, toks, p, 0):
        return None
    if tag_texts_kept and _PROGRAM_TAG.match(tpl[p - 1]):
        return None  # "myhost sshd[<*>]: ...": the header's tag, the whole message after it (pass 25a)
    if tag_host_header and _tag_host(tpl, p - 2):
        return None  # "<*> myhost <*>[<*>]: ...": the same tag, its name masked (pass 31a)
    if sentence_texts is not None and sentence_texts(tpl, toks, p):
        return None  # "JobId <*>: End auto prune.": a statement after a context value (pass 27e)
    return p, 0


# a command-line option: "-y", "--purge", "--target=<*>", "-Rns"
_OPTION = re.compile(r"^--?[A-Za-z][\w.-]*(?:=[^\s()\[\]{}]*)?$")
# a program's name or path opening a command line, in lower case ("dnf", "apt-get",
# "/usr/sbin/sendmail", "./run.sh"): a capitalised word opens a sentence
_PROGRAM = re.compile(r"^[a-z./~][\w./~+-]*$")
# a label of the message a command line follows ("Commandline:", "Command:"): a word, no
# value or bracket (a program's tag "polkitd[<*>]:" opens the whole message)
_COMMAND_LABEL = re.compile(r"^[A-Za-z][\w.-]*:$")
# tokens of a command line's shared opening looked back over for its start
_COMMAND_OPENING = 4


def _command_words(run: tuple[str, ...], quote: str) -> bool:
    """Tokens of a command line: a program first, no label among them; with ``quote``, the
    first opens it and the last closes it."""
    if not run:
        return False
    words = [*run]
    if quote:
        words[-1] = words[-1].rstrip(_TRAIL)
        if not words[-1].endswith(quote) or len(words[0]) < 2 + (len(words) == 1):
            return False
        words[0] = words[0][1:]
        words[-1] = words[-1][:-1]
    return _PROGRAM.match(words[0]) is not None and not any(t.endswith(":") for t in words[:-1])


def _command_line(
    tpl: tuple[str, ...], toks: tuple[str, ...], texts_vary: Callable[[tuple[str, ...], tuple[str, ...], int, int], bool],
) -> tuple[int, int] | None:
    """(prefix, suffix) when the line and the template differ only in a command line: a
    program's name then its arguments, an option ("-y", "--purge") among them on either
    side, ending the line after a label ending in ":" ("Commandline: apt install ./a.deb" /
    "apt autoremove --purge") or enclosed in quotes or backticks ("Running 'pkg -Rns a'" /
    "'pkg -Syu --noconfirm'"), once the place has shown several commands. A program that
    logs the command it runs prints it whole, with as many arguments as it was given: the
    command is the statement's argument, its words no statement's own."""
    n = min(len(tpl), len(toks))
    p = 0
    while p < n and _same_or_value(tpl[p], toks[p]):
        p += 1
    if p == n:
        return None  # one line holds the other's tokens and more: not a changed command
    s = _shared_suffix(tpl, toks, n - p)
    for c in range(p, max(p - _COMMAND_OPENING, 1) - 1, -1):
        quote = tpl[c][:1] if tpl[c][:1] in _QUOTES and toks[c][:1] == tpl[c][:1] else ""
        if not quote and not (_COMMAND_LABEL.match(tpl[c - 1]) and tpl[c - 1] == toks[c - 1]):
            continue
        if quote:
            # the closing quote may sit in the shared suffix ("... docker'"): the run takes it
            while s and not tpl[len(tpl) - s - 1].rstrip(_TRAIL).endswith(quote):
                s -= 1
        elif s:
            return None  # after a label the command ends the line
        run_a, run_t = tpl[c : len(tpl) - s], toks[c : len(toks) - s]
        if not (_command_words(run_a, quote) and _command_words(run_t, quote)):
            return None
        words = [t.strip(_QUOTES).rstrip(_TRAIL + _QUOTES) for t in (*run_a, *run_t)]
        if not any(_OPTION.match(w) for w in words):
            return None
        if not texts_vary(tpl, toks, c, s):
            return None
        return c, s
    return None


# a word of a code's text: letters with a closing mark, or a quoted word or value
_CODE_TEXT_WORD = re.compile(r"^(?:[A-Za-z][A-Za-z'/+-]*[.,;!?)]?|'[^'\s]+'[.,;]?|\(?<\*>[.,;)]?)$")
# a code's text holds this many tokens at most
_CODE_TEXT_TOKENS = 16


def _code_text_run(run: tuple[str, ...]) -> bool:
    """A code's message: a capitalised first word, then words, quoted words or values, no
    label, field or bracketed structure ("Lost connection to MySQL server during query",
    "Duplicate entry '<*>' for key 'PRIMARY'")."""
    if not 2 <= len(run) <= _CODE_TEXT_TOKENS or not _CAPITALISED.match(run[0].rstrip(".,;!?")):
        return False
    if sum(1 for x in run if _PLAIN_WORD.match(x)) < 2:
        return False
    return all(_CODE_TEXT_WORD.match(x) for x in run)


# a word of a sentence in lower case, no mark after it
_LOWER_WORD = re.compile(r"^[a-z][a-z'-]*$")


def _sentence_error(run: tuple[str, ...]) -> bool:
    """An error's text as a library prints it: a title-case first word, then plain words or
    values, two words at least; only the last token may close the clause with "." or ";"
    ("Permission denied", "Cannot connect to host <*>:<*>;"; not "SSL connect failed", not
    "Trigger Details: MessageId: <*>,")."""
    if len(run) < 2 or not _TITLE_WORD.match(run[0]):
        return False
    words = [x for x in run if VAR not in x]
    if len(words) < 2 or any("=" in x for x in run):
        return False
    return all(
        _PLAIN_WORD.match(x) is not None and not x.endswith((":", ","))
        and (i == len(run) - 1 or not x.endswith((";", ".")))
        for i, x in enumerate(run) if VAR not in x
    )


def _sentence_error_cut(tpl: tuple[str, ...], toks: tuple[str, ...]) -> tuple[int, int] | None:
    """(prefix, suffix) when the line and the template differ only in two texts in sentence
    case of different lengths right after a token ending in ":" (or a bracketed code after
    one, "[Errno <*>]"), each ending the line, or closing its clause before a bracketed
    value or with ";" (see EngineConfig.sentence_error_texts)."""
    p = _tail_start(tpl, toks)
    if p is None or p < 1:
        return None
    nt, nl = len(tpl), len(toks)
    short = min(nt, nl)
    s = _shared_suffix(tpl, toks, short - p - 1)
    mt, ml = tpl[p : nt - s], toks[p : nl - s]
    if not (_sentence_error(mt) and _sentence_error(ml)) or mt[0] == ml[0]:
        return None
    if s and not (tpl[nt - s][:1] in "([" or (mt[-1].endswith(";") and ml[-1].endswith(";"))):
        return None  # the statement's own words go on after the text
    k = p - 1
    if tpl[k].endswith("]") and k >= 2 and tpl[k - 1][:1] == "[":
        k -= 2  # "read <*>: [Errno <*>] Permission denied"
    # the colon ends the statement's own sentence: a word, then a lower-case word or a value
    # ("Commit failed:", "ready yet:", 'open "<*>":'), not a header's tag, logger or label
    # ("maas.node: [info] <*>:", "DEBUG faster_whisper:", "<*>[<*>]:", "Auto Config:")
    if k < 1 or not tpl[k].endswith(":") or not _SENTENCE_WORD.match(tpl[k - 1]):
        return None
    if not (_LOWER_WORD.match(tpl[k][:-1]) or tpl[k][:-1].strip("\"'") == VAR):
        return None
    # ... after words of the message: a header's host and tag ("gateway sshd:") or its level
    # and component ("Info network:") are no sentence
    if not any(_is_message_word(x) and x.lower() not in _LEVEL_WORDS for x in tpl[: k - 1]):
        return None
    return p, s


def _code_text(
    tpl: tuple[str, ...], toks: tuple[str, ...], texts_vary: Callable[[tuple[str, ...], tuple[str, ...], int], bool],
    status_text_case: bool = False, opening_codes_kept: bool = False,
) -> tuple[int, int] | None:
    """(prefix, 0) when the line and the template differ only in a text of another length
    that ends the line right after a code, a value alone or with its "," ("550 User
    unknown." / "421 Service temporarily unavailable.", MySQL's "2013, Lost connection ..."
    / "1213, Deadlock found ..."), both texts opening with a capitalised word, once the
    place has shown several texts. A program prints a reply or error code with the text
    its table holds for it (SMTP and FTP replies, a database client's errors, errno with
    strerror): the code and its text are one argument of the statement. Texts of one
    length are left to the one-word rules. Pass 23a. With ``status_text_case``, texts holding a
    word in capitals are not a code's (_status_text, pass 24e)."""
    p = _tail_start(tpl, toks)
    if p is None:
        return None
    if p < 2 or tpl[p - 1] not in (VAR, VAR + ",") or toks[p - 1] != tpl[p - 1]:
        return None
    if not (_code_text_run(tpl[p:]) and _code_text_run(toks[p:])):
        return None
    if status_text_case and not (_status_text(tpl[p:]) and _status_text(toks[p:])):
        return None  # a message printed in capitals (pass 24e)
    if not texts_vary(tpl, toks, p):
        return None
    if opening_codes_kept and _PROGRAM_TAG.match(tpl[p - 2]):
        return None  # the message's identifier opens it: its text is the statement (pass 25a)
    return p, 0


# a value printed in angle brackets ("<guest>", "<turn.example.com>:", empty "<>"), not a variable
_ANGLED = re.compile(r"^<(?!\*>)[^<>]*>[:,.;]?$")


def _structured_text(run: tuple[str, ...]) -> bool:
    """The run is a record's fields, not a text: it holds a ``key=value`` field, a value
    printed in angle brackets, or a field printed as a name and its value before ":"
    ("user <*>:"; a value after a label, "library: <*>:", is an error chain's). A message's
    free text (an error, a reason) is prose; fields are printed by the statement's own
    format, so two runs that hold them are two formats."""
    return any(_is_pair(x) or _ANGLED.match(x) for x in run) or any(
        _bare_value_label(x) and _PLAIN_WORD.match(w) and not w.endswith(":") for w, x in pairwise(run)
    )


# a capitalised word that opens a sentence ("Created", "An", "Connection"): letters only
_SENTENCE_OPEN = re.compile(r"^[A-Z][a-z]+$")


def _sentence_text(run: tuple[str, ...]) -> bool:
    """A sentence of the program's own: a capitalised plain word first, a full stop at the
    end of the last token (after a closing quote or bracket, 'client "<*>".'), three tokens
    at least. A reason or error text printed after a value (strerror's "No such file or
    directory", an exception's class and text, Go's lower-case errors) rarely is one; a
    message catalog's statement ("Created new Volume \"x\" in catalog.") is."""
    if len(run) < 3 or not _SENTENCE_OPEN.match(run[0]):
        return False
    last = run[-1]
    return last.endswith(".") and not last.endswith("..") and len(last.rstrip(".")) > 0


def _nested_text(run: tuple[str, ...]) -> bool:
    """A text with structure of its own: it holds a plain word label ("tls:", "error:") or
    is one bracketed expression, maybe after a name ("Error('x y')", "{'k': v}")."""
    if any(_plain_label(x) for x in run):
        return True
    last = run[-1].rstrip(_TRAIL)
    return _CALL_OPEN.match(run[0]) is not None and last[-1:] in ")]}" and not last.endswith(VAR)


# a word glued to a flag mark ("DNS*", "Proxy-") or printf padding dots
# ("instruction......<*>"): a code of a fixed table, not a word of a free text
_CODE_MARK = re.compile(r"[A-Za-z0-9][*!+?-]+$|\.\.")


def _free_text(words: tuple[str, ...]) -> bool:
    """A free text (an error message, an exception's text): it holds a plain word and no
    token marked as a code; quotes, values and labels of its own are allowed."""
    return any(_PLAIN_WORD.match(x) for x in words) and not any(_CODE_MARK.search(x) for x in words)


def _closes_phrase(tpl: tuple[str, ...], p: int) -> bool:
    """The label ``tpl[p - 1]`` is a plain word that ends a phrase of the message
    ("error occurred:", "Job failed:"), not a header's program or logger name ("charon:"
    after a syslog header of values, "ql.Driver:") whose text is the whole message."""
    return (
        p >= 2
        and _PLAIN_WORD.match(tpl[p - 1]) is not None
        and _PLAIN_WORD.match(tpl[p - 2]) is not None
        and not tpl[p - 2].endswith(":")
    )


# a template whose lines have shown one source position is watched (its lines counted, see
# TemplateEngine._count_position) until that many lines have shown it
_WATCHED_LINES = 4


# a source file and line as logging libraries print them ("controller.go:1366]",
# "caller=operator.go:742", "MySQL_Session.cpp:4741:handler()"): a file name with the
# extension of a programming language's source, then ":" and the line number
_SOURCE_POSITION = re.compile(
    r"(?<![\w.-])[A-Za-z_][\w-]*(?:\.[\w-]+)*\."
    r"(?:go|py|c|cc|cpp|cxx|h|hh|hpp|java|kt|scala|rs|lua|rb|js|mjs|ts|php|cs|swift|ex|exs|erl):[0-9]+(?![0-9])"
)


def source_position(message: str) -> str | None:
    """The first source position the line prints, if any: the statement that printed it."""
    m = _SOURCE_POSITION.search(message)
    return m.group(0) if m else None


def _severity_label(tok: str) -> bool:
    """An upper-case label of a few letters ("LOG:", "DETAIL:", "ERROR:"): the severity or
    part of a message it opens with (Pgpool-II's and PostgreSQL's 'LOG:  ...' / 'DETAIL:  ...').
    The text after it is the message itself, whatever words it holds, never a value."""
    return _CAPS_LABEL.match(tok) is not None


# the severity names of common logging libraries (syslog, log4j, java.util.logging, Python,
# Go, .NET), in any case
_LEVEL_WORDS = frozenset({
    "trace", "debug", "info", "information", "notice", "warn", "warning", "error", "err", "crit", "critical",
    "alert", "emerg", "fatal", "severe", "fine", "finer", "finest", "verbose",
})
_SEVERITY_NAMES = _LEVEL_WORDS | _LEVEL_ABBREVIATIONS


def _level_token(tok: str) -> bool:
    """A severity name, spelled out or abbreviated, with its brackets and punctuation
    ("<inf>", "[WARN]", "INFO:")."""
    return tok.strip(_TRAIL + "()[]{}<>").lower() in _SEVERITY_NAMES


def _header_severity(tokens: tuple[str, ...]) -> int | None:
    """The place of the first severity word printed as a header's ("INFO", "[WARN]", "<err>",
    "ERROR:"): in capitals or in brackets. A label in mixed case ("Error:") printed after the
    message's fields is a key, and a colon after another word ("SERVICE ALERT:") ends a label
    of words naming the record's kind: neither is the logger's level (pass 37a)."""
    for i, t in enumerate(tokens):
        if VAR in t or not _level_token(t) or not (t[:1] in "[(<" or t.rstrip(":").isupper()):
            continue
        if t.endswith(":") and i and VAR not in tokens[i - 1] and tokens[i - 1].isalpha():
            continue
        return i
    return None


def _values_after_severity(new: tuple[str, ...], *printed: tuple[str, ...]) -> bool:
    """Whether ``new`` (a template of variable length) prints nothing but bare values after
    its header's severity word while one of ``printed`` (the template and the line it is
    made from) printed a word there: every statement of that logger, whatever its words,
    would fit it. A value of a field's shape after the level ("<*>:<*>:<*>", a time) is
    still the header's, and the message starts after it: not asked (pass 37a)."""
    i = _header_severity(new)
    if i is None or i == len(new) - 1 or any(x != VAR for x in new[i + 1 :]):
        return False  # a word, or a value of a header field's shape (a time): not asked
    for toks in printed:
        j = _header_severity(toks)
        if j is not None and toks[j] == new[i] and any(_has_alpha(x) for x in toks[j + 1 :]):
            return True
    return False


def _bracket_groups(
    tpl: tuple[str, ...], p: int, openers: str = "[", *, inner: bool = False, keyed: bool = False,
    limit: int | None = None,
) -> frozenset[int]:
    """The positions before ``p`` inside bracketed groups of several tokens that close before
    ``p`` (a thread or component name printed with spaces, "[Server thread/INFO]:"; a date,
    "####<Dec 3, 2026, 10:00:00 PM UTC>"): header fields, whose words name no statement. A
    group opens at a token's first character (after a ``key=`` and leading ``#`` when
    ``keyed``), or anywhere in it when ``inner``; ``limit`` tokens at most."""
    inside: set[int] = set()
    i = 0
    while i < p:
        tok = _KEY_OPEN.sub("", tpl[i], count=1).lstrip("#") if keyed else tpl[i]
        for opener in openers:
            closer = _CLOSERS[opener]
            if (inner or tok[:1] == opener) and tok.count(opener) > tok.count(closer):
                depth = 0
                for j in range(i, p if limit is None else min(p, i + limit)):
                    depth += tpl[j].count(opener) - tpl[j].count(closer)
                    if depth <= 0:
                        inside.update(range(i, j + 1))
                        i = j
                        break
                break
        i += 1
    return frozenset(inside)


def _header_words(tpl: tuple[str, ...], p: int) -> frozenset[int]:
    """The positions before ``p`` that belong to the line's header rather than its message:
    a severity word, and every token of a group opened by a bracket (any of ``[ ( < {``) that
    spans several tokens and closes before ``p`` ("####<Dec 3, 2026, 10:00:00 PM UTC>",
    "<[ACTIVE] ExecuteThread: '7' for queue: 'default'>", "[Server thread/INFO]:"): a
    timestamp, thread or context printed with spaces, alike before every statement."""
    levels = {i for i in range(p) if tpl[i].lower() in _LEVEL_WORDS}
    return _bracket_groups(tpl, p, "[(<{", keyed=True) | levels


def _message_words_around(tpl: tuple[str, ...], p: int, end: int) -> bool:
    """A word of the message stands outside the run ``tpl[p:end]``: before it (not in the
    header, see _header_words, nor the token right before the run; a label of the message
    counts, "Request:"), or after it."""
    header = _header_words(tpl, p - 1)
    return any(_is_message_word(x.rstrip(":")) for i, x in enumerate(tpl[: p - 1]) if i not in header) or any(
        _is_message_word(x) for x in tpl[end:]
    )


# a logger's or class's qualified name: identifiers joined by dots ("o.b.a.MeetingService",
# "app.sync.commands", "org.example.core.Scheduler")
_LOGGER_NAME = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$")


def _header_only(tpl: tuple[str, ...], p: int, tag_hosts: bool = False) -> bool:
    """Every token before ``p`` is the line's header: a value, a severity word, a token of a
    bracketed header group or field, a lone symbol, and at most one qualified name (the
    logger's, "kolibri.core.tasks", "o.e.c.CoreLocator"), with no word of a message among
    them. A text that starts at ``p`` is then the whole message of the line: printed after the
    same header by every statement of that logger, it names the statement (pass 29a)."""
    grouped = _header_words(tpl, p)
    names = 0
    for i in range(p):
        t = tpl[i]
        if i in grouped or VAR in t or _bracket_label(t) or _header_shape(t) or (tag_hosts and _tag_host(tpl, i)):
            continue
        if names == 0 and _LOGGER_NAME.match(t) is not None:
            names += 1
            continue
        return False
    return True


def _bracket_label(tok: str) -> bool:
    """A label that closes a bracket ("thread/INFO]:", "<Notice>:"): a header's field."""
    return tok.endswith(":") and any(c in tok for c in ")]>}")


def _follows_message_word(tpl: tuple[str, ...], i: int, tag_hosts: bool = False) -> bool:
    """The label or code ``tpl[i]`` is printed inside the message, after a word of it: some
    token before it is a word that no header prints ("closed:" after "Client connection",
    "<*> OK" after "Completed", "pgs:" after "pgmap <*>: <*>"). When every token before it
    is the header's — values (time, pid, sequence number), a level word or letter, a
    bracketed field or group, a program tag, a lone symbol — the label or code opens the
    message ("<*> <*> I ActivityManager: Start proc ...", "[<*>] [Server thread/INFO]: ...",
    "<*> <*> JOB STARTED"), and the text after it is the whole statement, not a value. A
    label that closes a bracket ("thread/INFO]:", "<Notice>:") is a header field too."""
    if _bracket_label(tpl[i]):
        return False
    grouped: frozenset[int] | None = None
    for j in range(i):
        t = tpl[j]
        if VAR in t or _bracket_label(t):
            continue
        if t[:1] == "[" or grouped:
            if grouped is None:
                grouped = _bracket_groups(tpl, i + 1)
            if j in grouped:
                continue
        if _header_shape(t) or (tag_hosts and _tag_host(tpl, j)):
            continue
        return True
    return False


def _header_shape(tok: str) -> bool:
    """A token shaped as a header prints it: a whole bracketed field, a lone symbol or letter,
    a number, or a severity word ("[main]", "-", "I", "WARN")."""
    word = tok.strip(",;:.")
    if (tok[:1] in "[(<" and tok[-1:] in "])>") or not _has_alpha(word) or len(word) < 2:
        return True
    return word.strip("[]()<>").lower() in _LEVEL_WORDS


def _plain_label(tok: str) -> bool:
    """A label made of words ("closed:", "pgs:"), not a value ending in ":"."""
    return tok.endswith(":") and VAR not in tok and _has_alpha(tok)


_CAPITALISED = re.compile(r"^[A-Z][A-Za-z'-]*$")


def _label_or_code_text(tpl: tuple[str, ...], toks: tuple[str, ...], p: int) -> bool:
    """The runs from ``p`` follow a label of words both print ("critical error: <text>"), or
    a bare value after which both open with a capitalised word, a code and the text printed
    with it ("<*> OK" / "<*> Bad Request", "<*> Wrote <*> items" after a request id): the
    label's or the code's text, one value by the clauses that cut it."""
    if not 1 <= p < min(len(tpl), len(toks)) or toks[p - 1] != tpl[p - 1]:
        return False
    if _plain_label(tpl[p - 1]):
        return True
    return (
        tpl[p - 1] in (VAR, VAR + ",")
        and _CAPITALISED.match(tpl[p].rstrip(".,;!?")) is not None
        and _CAPITALISED.match(toks[p].rstrip(".,;!?")) is not None
    )


def _phrase(run: tuple[str, ...]) -> bool:
    """A short phrase of capitalised words, as programs print a status code's text."""
    return 0 < len(run) <= 4 and all(_CAPITALISED.match(x) for x in run)


def _status_text(run: tuple[str, ...]) -> bool:
    """A status code's text as protocols print it, in title or sentence case ("Not Found",
    "Internal Server Error", "OK", "TLS not available"), not a text printed in capitals
    throughout ("JOB STARTED", "LINK DOWN"), as consoles print their messages: every word
    with letters in upper case, one of them three letters or more."""
    words = [x for x in run if any(c.isalpha() for c in x.replace(VAR, ""))]
    return not (words and all(x.isupper() for x in words) and any(sum(c.isalpha() for c in x) >= 3 for x in words))


def _one_bracket(run: tuple[str, ...]) -> bool:
    """The run is one bracketed text: its first bracket closes at its last token and not
    before (``(a) b (c)`` is not one)."""
    opener = run[0][:1]
    closer = _CLOSERS[opener]
    if len(run) < 2 or not run[-1].rstrip(_TRAIL).endswith(closer):
        return False
    return _closes_at_end(" ".join(run).rstrip(_TRAIL), opener, closer)


def _bracketed_fields(run: tuple[str, ...]) -> bool:
    """The run opens with a bracket that closes before the run's end: several bracketed
    fields (``<Error> <HTTP> <BEA-101020> <text>``), not one bracketed text."""
    opener = _KEY_OPEN.sub("", run[0], count=1)[:1]
    if not opener or opener not in "([{<":
        return False
    return not _closes_at_end(" ".join(run).rstrip(_TRAIL), opener, _CLOSERS[opener])


def _bracketed_record(before: str, mt: tuple[str, ...], ml: tuple[str, ...]) -> bool:
    """Both runs are several bracketed fields and the token before them closes a field in
    the same brackets: the fields of a record printed in brackets ("<date> <Error> <HTTP>
    <BEA-101020> <text>"), which name the statement, not one bracketed value. After prose
    ("Pause Young (Normal) (G1 Evacuation Pause)") bracketed groups are values."""
    if not (_bracketed_fields(mt) and _bracketed_fields(ml)):
        return False
    opener = _KEY_OPEN.sub("", mt[0], count=1)[:1]
    return before.rstrip(_TRAIL).endswith(_CLOSERS[opener])


_WORD_BETWEEN_GROUPS = re.compile(r"^[A-Za-z][a-z]+[,.;]?$")


def _words_between_groups(run: tuple[str, ...]) -> tuple[str, ...]:
    """The plain words of the run outside every bracket and quote the run opens ("[kvledger]
    commit -> INFO ... [mychannel] Committed block [<*>]"): a sentence's words between
    bracketed fields; one bracketed value or a list of bracketed items has none (its items
    outside brackets are values)."""
    depth, quoted = 0, False
    words = []
    for tok in run:
        outside = depth == 0 and not quoted
        text = tok.replace(VAR, "")
        for k, ch in enumerate(text):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch == '"' or (ch == "'" and not (text[k - 1 : k].isalpha() and text[k + 1 : k + 2].isalpha())):
                quoted = not quoted  # an apostrophe inside a word ("don't") quotes nothing
        if outside and depth == 0 and not quoted and _WORD_BETWEEN_GROUPS.match(tok):
            words.append(tok)
    return tuple(words)


# a key of a quoted record field ('"battery_ok":', or '"battery_ok"' before a lone ":")
_QUOTED_KEY = re.compile(r'^"[A-Za-z_][\w.-]*":?$')


def _quoted_key(run: tuple[str, ...], i: int) -> bool:
    return _QUOTED_KEY.match(run[i]) is not None and (run[i].endswith(":") or run[i + 1 : i + 2] == (":",))


def _several_groups(run: tuple[str, ...], end: int) -> bool:
    """The bracket or quote that opens ``run[:end]`` closes before its end: several groups
    ("[main] INFO Job - Applying [install]", '"id" : <*>, "mic"'), not one enclosed text."""
    first = _KEY_OPEN.sub("", run[0], count=1)
    opener = first[:1]
    if opener not in _CLOSERS or first.startswith(VAR):
        return False
    text = " ".join(run[:end]).rstrip(_TRAIL)
    if opener in "\"'":
        k = text.find(opener, 1)
        return 0 < k < len(text) - 1
    return not _closes_at_end(text, opener, _CLOSERS[opener])


def _group_names(run: tuple[str, ...], end: int) -> tuple[str, ...]:
    """What ``run[:end]``, several groups, names besides its values: the plain words between
    its groups (_words_between_groups) and the keys of its quoted fields (the token after the
    run may be the last key's ":")."""
    keys = tuple(run[i].rstrip(":") for i in range(end) if _quoted_key(run, i))
    return _words_between_groups(run[:end]) + keys


def _different_groups(tpl_run: tuple[str, ...], line_run: tuple[str, ...], nt: int, nl: int) -> bool:
    """The template's run ``tpl_run[:nt]`` and the line's ``line_run[:nl]`` (each followed by
    the rest of its line) are several groups (_several_groups) that name different words or
    keys between their values: two statements' words around their bracketed values, or two
    records' sets of fields, not one bracketed value of two lengths."""
    if not (_several_groups(tpl_run, nt) and _several_groups(line_run, nl)):
        return False
    a, b = _group_names(tpl_run, nt), _group_names(line_run, nl)
    return bool(a) and bool(b) and a != b


def _enclosed_sentences(tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
    """Both runs open and close with a bracket (the enclosed-run clause of _span_cut takes
    them for one value), print plain words between their bracketed parts, and not the same
    words, and the template has no message word outside the runs but the one before them:
    the runs are two statements' whole messages ("UTC [kvledger] commit -> INFO ... Committed block
    [<*>] ..." / "UTC [valimpl] ... -> WARN ... Block [<*>] ... marked as invalid ..."), not
    a value printed inside one statement's words (a value of varying length between the
    same words, "cause [api], templates []," / "cause [auto(bulk api)], templates [a, b],",
    keeps its cut)."""
    nt = len(tpl)
    runs = (tpl[p : nt - s], toks[p : len(toks) - s])
    if not all(run and _enclosed(run) for run in runs):
        return False
    if any(_is_message_word(x) for x in (*tpl[: p - 1], *tpl[nt - s :])):
        return False
    a, b = _words_between_groups(runs[0]), _words_between_groups(runs[1])
    return bool(a) and bool(b) and a != b


def _closes_at_end(text: str, opener: str, closer: str) -> bool:
    """The bracket ``text`` opens closes at its last character and not before."""
    depth = 0
    for k, ch in enumerate(text):
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0 and k < len(text) - 1:
                return False
    return depth == 0


def _field_label(tok: str) -> bool:
    """``tok`` is a field's label, its value after it ("QTYPE:", "rcode="), no value of its own."""
    return tok[-1:] in (":", "=") and VAR not in tok and _has_alpha(tok)


@lru_cache(maxsize=_TOKEN_CACHE)
def _is_message_word(tok: str) -> bool:
    return (
        _has_alpha(tok)
        and VAR not in tok
        and not tok.endswith(":")
        and not (tok[:1] in "[(<" and tok[-1:] in "])>")
    )


# request methods (RFC 9110, PATCH: RFC 5789): a closed set every HTTP server logs
_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})


def _opening_word(tpl: tuple[str, ...], toks: tuple[str, ...], i: int) -> bool:
    """The words at ``i`` are plain words (letters only) that open the message: every token
    before them holds a value and is no ``key=value`` field (a header of date, time, pid and
    source position; after a field the message has begun, slapd's 'conn=<*> fd=<*> closed'),
    and the last one is not a bare value (a word after an address is a name printed with it,
    dnsmasq's 'DHCPACK(<*>) <ip> <mac> nas')."""
    return (
        i > 0 and tpl[i].isalpha() and toks[i].isalpha() and tpl[i - 1] != VAR
        and all(VAR in t and "=" not in t for t in tpl[:i])
    )


def _request_method(
    tpl: tuple[str, ...], toks: tuple[str, ...], words: list[int], methods_in_cells: bool = False
) -> bool:
    """The only differing word is an HTTP method opening a request line, followed by its
    target ("GET /orders/7 200 1.2 ms - 512", morgan and other request loggers): the request's
    first field, as it is inside an access line. Other first words tell messages apart. The
    same holds for a bare method later in the line before its target (Gin's "... | 127.0.0.1 |
    POST "/api/show""): a field of the request; a quoted method ('"GET') is not this rule's."""
    if len(words) != 1 or len(tpl) <= 2:
        return False
    i = words[0]
    if not (tpl[i] in _HTTP_METHODS and toks[i] in _HTTP_METHODS):
        return False
    if i + 1 < len(tpl) and VAR in tpl[i + 1]:
        return True
    # a table row's cell, its target in the next cell ("| 10.0.0.7 | POST | /nnrf/v1 |")
    return (
        methods_in_cells and i > 0 and i + 2 < len(tpl) and tpl[i - 1] == tpl[i + 1]
        and not any(ch.isalnum() for ch in tpl[i + 1]) and VAR not in tpl[i + 1]
        and VAR in tpl[i + 2]
    )


# gapped templates (pass 12): at most this many gaps in one template, and this many tokens in
# a line or template that is aligned (the alignment is quadratic in them)
_MAX_GAPS = 3
_ALIGN_TOKENS = 64
# templates aligned with one line at most (those sharing the most constants with it)
_GAPPED_CANDIDATES = 8
# share of the constant tokens of the longer of the two that must align
_ALIGNED_SHARE = 0.6
# an optional group in round brackets holds this many tokens at most (_optional_group)
_OPTIONAL_GROUP_TOKENS = 6


def _closing_label(toks: tuple[str, ...]) -> bool:
    """The line ends in a label of letters after a word of the message ("received on
    stdout:", "whitelist (not strict):"), not in a value ("at 10:") nor a label opening it."""
    last = toks[-1]
    return (
        len(toks) >= 3 and last.endswith(":") and VAR not in last
        and last[:-1].strip("()[]").replace("_", "").replace("-", "").isalpha()
        and any(_is_message_word(x) for x in toks[:-1])
    )


def _gap_covers(tpl: tuple[str, ...], gaps: tuple[int, ...], toks: tuple[str, ...]) -> bool:
    """Whether a gapped template covers the line: the tokens before the first gap and after
    the last one cover the line's first and last tokens, and every run of tokens between two
    gaps covers tokens of the line in order, placed as early as it can (the earliest place
    leaves the most room to the runs after it, so it finds a cover whenever there is one)."""
    n = len(toks)
    head, last = gaps[0], gaps[-1] + 1
    tail = len(tpl) - last
    if head + tail > n:
        return False
    if not all(_covered(tpl[i], toks[i]) for i in range(head)):
        return False
    if not all(_covered(tpl[last + j], toks[n - tail + j]) for j in range(tail)):
        return False
    pos, end = head, n - tail
    for a, b in pairwise(gaps):
        run = tpl[a + 1 : b]
        k = len(run)
        while pos + k <= end and not all(_covered(x, t) for x, t in zip(run, toks[pos : pos + k], strict=True)):
            pos += 1
        if pos + k > end:
            return False
        pos += k
    return True


def _aligns(a: str, t: str) -> bool:
    """Template token ``a`` and line token ``t`` may stand at one place of one message: equal,
    covered, or values of one shape ("user=<*>" / "user=bob"), never two different words."""
    return a == t or _covered(a, t) or (VAR in a and VAR in t and not _is_word_edit(a, t))


# a name holding a digit ("eth0", "vlan20", "node-3"): a value a template may have kept as a
# constant because its first lines all printed it
_DIGIT_NAME = re.compile(r"^[A-Za-z][A-Za-z_-]*\d[A-Za-z0-9_-]*$")


def _align(
    tpl: tuple[str, ...], gaps: tuple[int, ...], toks: tuple[str, ...], digit_names: bool = False
) -> list[tuple[int, int]]:
    """The pairs (template position, line position) of the heaviest common subsequence of the
    two token sequences: a constant that aligns weighs more than a variable, and a gap
    aligns with nothing (it takes whatever falls between its neighbours). With
    ``digit_names``, a template's name holding a digit aligns with a line's value, as a
    variable does ("via eth0" / "via <ip>": an interface the first lines all printed)."""
    n, m = len(tpl), len(toks)
    weight = [[0] * m for _ in range(n)]
    for i, a in enumerate(tpl):
        if i in gaps:
            continue
        w = 1 if a == VAR else 3
        row = weight[i]
        named = digit_names and _DIGIT_NAME.match(a) is not None
        for j, t in enumerate(toks):
            if _aligns(a, t):
                row[j] = w
            elif named and t == VAR:
                row[j] = 1
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, wrow = best[i], best[i + 1], weight[i]
        for j in range(m - 1, -1, -1):
            w = wrow[j]
            v = below[j] if below[j] >= row[j + 1] else row[j + 1]
            if w and w + below[j + 1] > v:
                v = w + below[j + 1]
            row[j] = v
    pairs = []
    i = j = 0
    while i < n and j < m:
        w = weight[i][j]
        if w and best[i][j] == w + best[i + 1][j + 1]:
            pairs.append((i, j))
            i += 1
            j += 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _gap_run_ok(run_t: tuple[str, ...], run_l: tuple[str, ...]) -> bool:
    """Whether the tokens of the template and of the line that fall between the same aligned
    neighbours can be one variable of any length: not different tokens of one length (a
    keyword variant, "Accepted" / "Failed", "=>" / "=="; values the one-word rules take), no
    field of a key (a field printed only sometimes is another statement: _other_keys), and
    values only, no word: a word printed only sometimes is a statement's wording ("Failed
    password for invalid user", "corrected over <*> seconds": Loghub's ground truth, written
    from the programs' sources, keeps them apart), and words on both sides ("Found" / "Can't
    find") tell statements apart."""
    if run_t and run_l and len(run_t) == len(run_l):
        return False
    if any(_FIELD_KEY.match(x) for x in (*run_t, *run_l)):
        return False
    return all(VAR in x or not _has_alpha(x) for x in (*run_t, *run_l))


# a byte as a dump prints it: two hexadecimal digits of one case ("3f", "CB", "0E")
_BYTE = re.compile(r"^(?:[0-9A-F]{2}|[0-9a-f]{2})$")


def _dump_value(tok: str) -> bool:
    return tok == VAR or _BYTE.match(tok) is not None


def _byte_place(tpl: tuple[str, ...], prev_i: int, i: int, run_t: tuple[str, ...], run_l: tuple[str, ...]) -> bool:
    """Whether an unaligned place of a gapped merge lies inside a dump of bytes on both sides:
    its tokens and the aligned tokens around it (a variable or a byte before it; a variable,
    a byte or the line's end after it) are all values or bytes, of different lengths
    ("--> <*> CB <*>" / "--> <*> <*> ED"). A byte of letters only ("CB", "ed") is a value like
    its neighbours that a digit masked; words of two such letters ("DB", "be") stand among
    words, never between values. Pass 30b."""
    if len(run_t) == len(run_l) or prev_i < 0 or not _dump_value(tpl[prev_i]):
        return False
    if i < len(tpl) and not _dump_value(tpl[i]):
        return False
    return all(_dump_value(x) for x in (*run_t, *run_l))


def _one_dump(out: list[str], gaps: list[int], dump_gaps: set[int]) -> tuple[list[str], list[int]]:
    """The merged tokens with every run of values and bytes that holds a gap made at a byte
    place (_byte_place) made one gap: the alignment pairs a dump's values by chance, so the
    places between them are one value of any length, the dump."""
    tokens: list[str] = []
    new_gaps: list[int] = []
    k = 0
    while k < len(out):
        end = k
        while end < len(out) and _dump_value(out[end]):
            end += 1
        if end > k and any(g in dump_gaps for g in range(k, end)):
            new_gaps.append(len(tokens))
            tokens.append(VAR)
            k = end
            continue
        if k in gaps:
            new_gaps.append(len(tokens))
        tokens.append(out[k])
        k += 1
    return tokens, new_gaps


def _optional_group(run_t: tuple[str, ...], run_l: tuple[str, ...]) -> bool:
    """Whether one side prints nothing where the other prints one group in round brackets
    and nothing else, holding a value (a detail the program adds only sometimes: "deleted
    <n> files (<n> bytes) from archive"): the brackets set the part off from the
    statement's wording, so its words do not name another statement. A group of words
    alone ("copied 4 files (incomplete) to") names what happened (eleventh pass). Pass 18c."""
    if bool(run_t) == bool(run_l):
        return False
    run = run_t or run_l
    if len(run) > _OPTIONAL_GROUP_TOKENS or any(_FIELD_KEY.match(x) for x in run):
        return False
    if not any(VAR in x for x in run):
        return False
    text = " ".join(run)
    # "(a) b (c)": two groups with words between them
    return text.startswith("(") and text.endswith(")") and _closes_at_end(text, "(", ")")


# a context field's label appended after a comma ("referer:", "client:", "upstream:")
_CLAUSE_LABEL = re.compile(r"^[A-Za-z][A-Za-z_-]*:$")
# a trailing clause holds this many tokens at most (_trailing_clause)
_TRAILING_CLAUSE_TOKENS = 12


def _clause_fields(run: tuple[str, ...]) -> bool:
    """Whether ``run`` is one or more context fields, each a "key:" label and one value (a
    token holding a value, or a quoted text), every field but the last ending in ",":
    "referer: https://<*>", "client: <*>, request: "GET <*> HTTP/1.1"". A word as the value
    ("server: kong") is not a datum, so the run is not taken."""
    k, n = 0, len(run)
    while k < n:
        if not _CLAUSE_LABEL.match(run[k]) or k + 1 >= n:
            return False
        k += 1
        if run[k].startswith('"'):
            # a quoted value ends at the first token that closes the quote
            closes = [j for j in range(k, n) if run[j].endswith(('"', '",')) and (j > k or len(run[j]) > 2)]
            if not closes:
                return False
            k = closes[0]
        elif VAR not in run[k]:
            return False
        last = k + 1 == n
        if not last and not run[k].endswith(","):
            return False
        k += 1
    return True


def _trailing_clause(
    tpl: tuple[str, ...], toks: tuple[str, ...], before_t: int, before_l: int, run_t: tuple[str, ...], run_l: tuple[str, ...]
) -> bool:
    """Whether one side ends its line where the other goes on with context fields appended
    after a comma ("... configuration: <path>" / "... configuration: <path>, referer: <url>"):
    the value before the part ends in "," on the longer side only, so the part is glued to
    the statement as a list of fields, not a second statement's wording; a program adds
    such a field only when it has the datum (Apache httpd's referer, nginx's upstream and
    referrer). The part must end both lines (the caller passes runs after the last aligned
    pair). Pass 20a."""
    if bool(run_t) == bool(run_l) or before_t < 0:
        return False
    run = run_t or run_l
    if len(run) > _TRAILING_CLAUSE_TOKENS:
        return False
    long_end, short_end = (tpl[before_t], toks[before_l]) if run_t else (toks[before_l], tpl[before_t])
    if not long_end.endswith(",") or short_end.endswith(",") or VAR not in long_end or VAR not in short_end:
        return False
    return _clause_fields(run)


def _framed(tpl: tuple[str, ...], before: int, after: int) -> bool:
    """Whether the template's tokens at ``before`` and ``after`` (the aligned neighbours of a
    part printed only sometimes) are both constant words of the statement: its wording goes
    on after the part, so the part is an aside within one statement, not a second statement
    that extends the first ("Probing PCI hardware" / "Probing PCI hardware (bus 00)")."""
    return before >= 0 and after < len(tpl) and all(_PLAIN_WORD.match(tpl[k]) for k in (before, after))


def _value_word_place(
    tpl: tuple[str, ...], pos: int, a: str, t: str, value_pair: Callable[[tuple[str, ...], int, str, str], bool]
) -> bool:
    """Whether the template's token ``a`` and the line's ``t``, alone at one unaligned place
    of a gapped merge, are two values of one field by the engine's one-word evidence
    (``value_pair``), no field of a key: the one-word rules would merge them at one length,
    and a part of varying length elsewhere in the line does not make them keyword variants."""
    if VAR in a or _FIELD_KEY.match(a) or _FIELD_KEY.match(t):
        return False
    return value_pair(tpl, pos, a, t)


# the closer of each opener of an enclosed value (_enclosed_text)
_ENCLOSERS = {'"': '"', "'": "'", "(": ")", "[": "]", "{": "}"}
# an enclosed value of a gapped merge's place holds this many tokens at most
_ENCLOSED_TOKENS = 12


def _enclosed_text(run: tuple[str, ...], angle: bool = False) -> tuple[str, str] | None:
    """(opener, what follows the closer) where ``run`` is one value enclosed in quotes or
    brackets that open at its first character and close in its last token, followed by two
    punctuation characters at most ("'Living Room Temperature':", ""left arm")", "[<*>
    --all]"); None otherwise (a second value after the closer, no closer, a field of a key)."""
    if not run or len(run) > _ENCLOSED_TOKENS or any(_FIELD_KEY.match(x) for x in run):
        return None
    text = " ".join(run)
    opener = text[0]
    closer = ">" if angle and opener == "<" else _ENCLOSERS.get(opener)
    if closer is None:
        return None
    if opener == closer:
        end = text.find(closer, 1)
    else:
        depth, end = 0, -1
        for k, ch in enumerate(text):
            if ch == opener:
                depth += 1
            elif ch == closer:
                depth -= 1
                if depth == 0:
                    end = k
                    break
    if end < 0 or " " in text[end:]:
        return None
    tail = text[end + 1 :]
    if len(tail) > 2 or any(ch not in ":,;.)]}" for ch in tail):
        return None
    return opener, tail


def _enclosed_words(toks: tuple[str, ...]) -> set[str]:
    """The tokens of the quoted texts of several tokens in ``toks`` ("'Living", "Room",
    "Temperature':"): words of a value, not of the statement."""
    out: set[str] = set()
    k, n = 0, len(toks)
    while k < n:
        t = toks[k]
        if t[:1] in "\"'" and t.find(t[0], 1) < 0:
            for m in range(k + 1, min(n, k + _ENCLOSED_TOKENS)):
                if t[0] in toks[m]:
                    if _enclosed_text(toks[k : m + 1]) is not None:
                        out.update(toks[k : m + 1])
                        k = m
                    break
        k += 1
    return out


def _enclosed_place(run_t: tuple[str, ...], run_l: tuple[str, ...], angle: bool = False) -> bool:
    """Whether the template's and the line's tokens at one place of a gapped merge are each
    one quoted or bracketed value, opened by the same character and followed by the same
    punctuation, the template's holding a variable (the place has shown that it varies):
    the quotes or brackets delimit the value whatever its words ("'<*>':" / "'Living Room
    Temperature':", "(hitgroup "<*>")" / "(hitgroup "left arm")"); in round brackets the line's
    value must hold a value or a comma. Pass 24c."""
    if not any(VAR in x for x in run_t):
        return False
    a, b = _enclosed_text(run_t, angle), _enclosed_text(run_l, angle)
    if a is None or a != b:
        return False
    # words alone in round brackets are a phrase ("(cache miss)", "(idletimeout)"), which an
    # empty "()" (masked "(<*>)") does not make a value: pass 17c's guard of bracketed groups
    return a[0] != "(" or any(VAR in x or "," in x for x in run_l)


def _nested_group(run: tuple[str, ...]) -> bool:
    """Whether ``run`` is one value in round brackets whose whole content is one bracketed or
    quoted group of several tokens ("([STANDALONE MODE])", "("no peer yet"),"): a value the
    program printed inside its own frame, not a phrase set in brackets."""
    enc = _enclosed_text(run)
    if enc is None or enc[0] != "(" or len(run) < 2:
        return False
    text = " ".join(run)
    inner = text[1 : len(text) - len(enc[1]) - 1]
    return inner[:1] in _ENCLOSERS and _enclosed_text(tuple(inner.split(" "))) == (inner[0], "")


def _nested_group_place(run_t: tuple[str, ...], run_l: tuple[str, ...]) -> bool:
    """Whether one side of a gapped merge's place prints a value in round brackets ("(<*>)",
    "([::ffff:<*>]:<*>)") where the other prints the same brackets around one nested
    bracketed or quoted group of words (_nested_group: "([STANDALONE MODE])"), followed by the
    same punctuation: the brackets frame one value whatever its words. Pass 38a."""
    a, b = _enclosed_text(run_t), _enclosed_text(run_l)
    if a is None or a != b or a[0] != "(":
        return False
    return (any(VAR in x for x in run_t) and _nested_group(run_l)) or (
        any(VAR in x for x in run_l) and _nested_group(run_t)
    )


def _enclosed_extent(
    tpl: tuple[str, ...], gaps: tuple[int, ...], toks: tuple[str, ...], ends: list[tuple[int, int]], k: int,
    prev_i: int, prev_j: int, since_gap: int, units: bool = False, enclosed: bool = True, names: bool = False,
    particles: bool = False, enclosing: bool = False, header: bool = False, titled: bool = False,
    capitals: bool = False, nested: bool = False,
) -> tuple[int, int] | None:
    """Whether the unaligned place before ``ends[k]`` is one enclosed value (_enclosed_place),
    alone or with the aligned pair next to it where the template holds a variable (the
    alignment matched "[<*>]" with "[<*>" of "[<*> --all]"): (the pair before is taken, the
    pair after is taken), or None. A pair is taken only where no other gap then touches
    this one, and never a constant of the template. With ``enclosing``, a place inside one
    enclosed value on both sides takes the aligned pairs up to its delimiters
    (_enclosing_extent): the counts of pairs before and after it that are taken. ``since_gap``
    counts the merged tokens since the merge's last gap (1: the pair before closes that gap)."""
    i, j = ends[k]
    before_ok = prev_i >= 0 and VAR in tpl[prev_i] and prev_i not in gaps and since_gap != 1
    after_ok = (
        i < len(tpl) and VAR in tpl[i] and i not in gaps and k + 1 < len(ends)
        and ends[k + 1] == (i + 1, j + 1) and (k + 2 < len(ends) or (i + 1 == len(tpl) and j + 1 == len(toks)))
    )
    run_t, run_l = tpl[prev_i + 1 : i], toks[prev_j + 1 : j]
    if names:
        named = _name_extent(tpl, toks, prev_i, prev_j, i, j, before_ok, after_ok, particles, capitals)
        if named is not None:
            return named
    if not enclosed:
        return (0, 0) if titled and _titled_place(tpl, toks, prev_i, prev_j, i, j) else None
    if units and before_ok and VAR in toks[prev_j] and len(run_t) + len(run_l) == 1:
        # a quantity printed with its unit on one side only: the unit is the value's
        u = (run_t or run_l)[0]
        if _unit(u) or _measure_unit(u):
            return True, False
    for left, right in ((False, False), (True, False), (False, True), (True, True)):
        if (left and not before_ok) or (right and not after_ok):
            continue
        lo_t, lo_l = (prev_i, prev_j) if left else (prev_i + 1, prev_j + 1)
        hi_t, hi_l = (i + 1, j + 1) if right else (i, j)
        if _enclosed_place(tpl[lo_t:hi_t], toks[lo_l:hi_l]) or (
            nested and _nested_group_place(tpl[lo_t:hi_t], toks[lo_l:hi_l])
        ):
            return int(left), int(right)
        if header and lo_t < hi_t and lo_l < hi_l and _header_field(tpl[lo_t:hi_t], toks[lo_l:hi_l]) and _header_value(
            tpl, lo_t, hi_t, toks[lo_l][:1]
        ):
            return int(left), int(right)
    if enclosing:
        ext = _enclosing_extent(tpl, gaps, toks, ends, k, prev_i, prev_j, since_gap, header)
        if ext is not None:
            return ext
    # a text opening with a title-case word, the last choice (pass 29c)
    return (0, 0) if titled and _titled_place(tpl, toks, prev_i, prev_j, i, j) else None


def _enclosing_extent(
    tpl: tuple[str, ...], gaps: tuple[int, ...], toks: tuple[str, ...], ends: list[tuple[int, int]], k: int,
    prev_i: int, prev_j: int, since_gap: int, header: bool = False,
) -> tuple[int, int] | None:
    """Whether the unaligned place before ``ends[k]`` lies inside one quoted or bracketed
    value on both sides, whose delimiters open and close at aligned pairs next to the place
    ("Command line: '<*> -D FOREGROUND -f <*>'" / "Command line: 'httpd -D FOREGROUND'": the
    alignment matched "-D" inside the two quotes, the place "FOREGROUND -f <*>'" /
    "FOREGROUND'" is the rest of them): (aligned pairs before the place taken, pairs after
    taken), the whole value one gap, or None. The pairs taken must be consecutive on both
    sides, hold no gap, and be followed by another aligned pair or end both lines; the two
    values must pass _enclosed_place (the same delimiters, the template's holding a
    variable). Pass 26c."""
    i, j = ends[k]
    # pairs before: ends[k - b] ... ends[k - 1] consecutive, the first opening the value
    for b in range(0, min(k, _ENCLOSED_TOKENS) + 1):
        if b:
            pi, pj = ends[k - b]
            # consecutive pairs, none a gap, and no gap of the merge right before them
            if pi in gaps or b >= since_gap or (b > 1 and ends[k - b + 1] != (pi + 1, pj + 1)):
                break
        lo_t, lo_l = (ends[k - b][0], ends[k - b][1]) if b else (prev_i + 1, prev_j + 1)
        if b and tpl[lo_t][:1] not in _ENCLOSERS:
            continue
        for a in range(0, _ENCLOSED_TOKENS + 1):
            if a + b == 0:
                continue
            if a:
                if k + a >= len(ends):
                    break
                ai, aj = ends[k + a - 1]
                if ai >= len(tpl) or ai in gaps or (a > 1 and ends[k + a - 2] != (ai - 1, aj - 1)):
                    break
            hi_t, hi_l = (ends[k + a - 1][0] + 1, ends[k + a - 1][1] + 1) if a else (i, j)
            if hi_t - lo_t > _ENCLOSED_TOKENS or hi_l - lo_l > _ENCLOSED_TOKENS:
                break
            # what follows the value: another aligned pair, or the end of both lines
            nxt = ends[k + a] if a else (i, j)
            if a and nxt[0] < len(tpl) and nxt != (hi_t, hi_l):
                continue
            if a and nxt[0] == len(tpl) and (hi_t, hi_l) != (len(tpl), len(toks)):
                continue
            # an aligned plain word inside the value may be the statement's own wording set in
            # brackets ("(from client <*> port <*>)"): only values and other tokens are taken
            if any(_PLAIN_WORD.match(tpl[x]) for x, _ in (*ends[k - b : k], *ends[k : k + a])) and not (
                header and _header_value(tpl, lo_t, hi_t)
            ):
                continue
            if _enclosed_place(tpl[lo_t:hi_t], toks[lo_l:hi_l]):
                return b, a
    return None


def _header_token(tok: str) -> bool:
    """A token a logging library's header prints before the message: a value (date, time,
    pid), punctuation, a level word, a one-token bracketed field ("[main]", "<Notice>")."""
    if VAR in tok or not _has_alpha(tok):
        return True
    if tok.strip("[]()<>:,|-").lower() in _LEVEL_WORDS:
        return True
    return tok[:1] in "[(<" and tok.rstrip(":,")[-1:] in "])>"


def _header_field(run_t: tuple[str, ...], run_l: tuple[str, ...]) -> bool:
    """Whether the template's and the line's tokens at a place are one field of a header in
    angle brackets ("<Thread-<*>>" / "<[ACTIVE] Worker: '7' for queue: 'default'>"), or the
    line's bracketed field where the template prints a bare variable (the field has varied:
    "<main>" / "<Thread-14>" made "<*>"). Pass 27a."""
    if run_t == (VAR,):
        return _enclosed_text(run_l, angle=True) is not None
    return run_t[0][:1] == "<" and _enclosed_place(run_t, run_l, angle=True)


def _header_value(tpl: tuple[str, ...], lo: int, hi: int, opener: str = "") -> bool:
    """Whether the enclosed value ``tpl[lo:hi]`` is a field of the line's header: only the
    header's tokens before it (_header_token), and the message's words after it (two plain
    words at least), so the words inside it name no statement. Pass 27a."""
    if (opener if tpl[lo] == VAR else tpl[lo][:1]) not in ("[", "<"):
        return False
    grouped = _bracket_groups(tpl, lo, "[<", inner=True, limit=_ENCLOSED_TOKENS)
    if not all(k in grouped or _header_token(t) for k, t in enumerate(tpl[:lo])):
        return False
    return sum(1 for t in tpl[hi:] if _PLAIN_WORD.match(t)) >= 2


# a name of several title-case words holds this many tokens at most (_name_extent)
_NAME_TOKENS = 4
# a word of a name: a capital, then lower case ("Zed", "Bedrock", "Mx.", "O'Neil")
_TITLE_WORD = re.compile(r"^[A-Z][a-z][a-z'-]*\.?$")
# a particle inside a name: a lower-case word of three letters at most ("the", "van", "de")
_NAME_PARTICLE = re.compile(r"^[a-z]{1,3}$")
# a word of a name that opens with a capital, whatever its other letters ("NUT", "S", "WiFi")
_CAPITAL_WORD = re.compile(r"^[A-Z][A-Za-z0-9'-]*$")
# a plain word of a sentence before an argument, its first letter in either case ("fetching",
# "Fetching"), and one after it, in lower case and a clause's mark at most after it ("data:")
_WORD_BEFORE_ARGUMENT = re.compile(r"^[A-Za-z][a-z]+$")
_WORD_AFTER_ARGUMENT = re.compile(r"^[a-z][a-z]+[,:;]?$")


def _title_name(run: tuple[str, ...], var: str, particles: bool = False, capitals: bool = False) -> bool:
    """Whether ``run`` is one name of title-case words standing for the template's variable
    ``var`` (a bare "<*>" with at most one punctuation character after it, which the name's
    last token ends with too); with ``particles``, a word inside the name may be a short
    particle in lower case (_NAME_PARTICLE)."""
    if not var.startswith(VAR) or len(var) > len(VAR) + 1 or not 1 < len(run) <= _NAME_TOKENS:
        return False
    tail = var[len(VAR) :]
    if tail and (tail not in ",:;" or not run[-1].endswith(tail)):
        return False
    words = (*run[:-1], run[-1][: len(run[-1]) - len(tail)] if tail else run[-1])
    if capitals:
        return all(_CAPITAL_WORD.match(w) for w in words)
    if not (_TITLE_WORD.match(words[0]) and _TITLE_WORD.match(words[-1])):
        return False
    # a short particle in lower case inside a name ("Sigrun the Bold", "Anna van Dijk")
    return all(_TITLE_WORD.match(w) or (particles and _NAME_PARTICLE.match(w)) for w in words[1:-1])


# a titled text of a gapped merge's place holds this many tokens at most (_titled_place)
_TITLED_TOKENS = 6


# a word of a titled text: letters, maybe an inner apostrophe or hyphen, ending in a letter
# (no closing quote or bracket: a text inside a quoted value is that value's, pass 24c / 26c)
_TITLED_WORD = re.compile(r"^[A-Za-z](?:[A-Za-z'-]*[A-Za-z])?$")


def _titled_run(run: tuple[str, ...]) -> bool:
    """A text opening with a title-case word, then plain words, no label, clause, value,
    quote or bracket ("Site Purge", "Fix discussion behavior", "Riverside Learning Centre")."""
    if not 0 < len(run) <= _TITLED_TOKENS or not _TITLE_WORD.match(run[0]):
        return False
    return all(_TITLED_WORD.match(x) for x in run)


def _titled_place(tpl: tuple[str, ...], toks: tuple[str, ...], prev_i: int, prev_j: int, i: int, j: int) -> bool:
    """Whether the template's and the line's tokens at one unaligned place of a gapped merge
    are each one text opening with a title-case word (_titled_run), of different lengths and
    different first words, right after an aligned plain word of the sentence that no
    punctuation ends ("Job Site Purge completed" / "Job Gradebook grade export completed",
    "in facility Community Library" / "in facility Example Primary School"): a capital inside
    a sentence opens a name or title given to something (a job, a step, a place, a device),
    printed as it was given; the statement's own words beside it go on in lower case. Pass 29c."""
    run_t, run_l = tpl[prev_i + 1 : i], toks[prev_j + 1 : j]
    if not run_t or not run_l or len(run_t) == len(run_l) or run_t[0] == run_l[0]:
        return False
    if prev_i < 0 or not _PLAIN_WORD.match(tpl[prev_i]) or tpl[prev_i][-1:] in ".,:;":
        return False
    if tpl[prev_i].lower() in _LEVEL_WORDS:
        return False
    return _titled_run(run_t) and _titled_run(run_l)


def _name_extent(
    tpl: tuple[str, ...], toks: tuple[str, ...], prev_i: int, prev_j: int, i: int, j: int,
    before_ok: bool, after_ok: bool, particles: bool = False, capitals: bool = False,
) -> tuple[bool, bool] | None:
    """Whether a place where only the line prints tokens, beside an aligned pair whose
    template token is a bare variable, is one name of title-case words together with the
    line's token of that pair ("from <*> :" / "from Zed Bedrock :", "connected: <*>," /
    "connected: Mary Jane Watson,"): (the pair before is taken, the pair after is taken), or
    None. A name a user or a world gave (a player, a device, a city) is printed as it was
    written, spaces included; words in lower case beside a value ("for <*> from" / "for
    invalid user admin from") stay a statement's wording. Pass 25c."""
    run_t, run_l = tpl[prev_i + 1 : i], toks[prev_j + 1 : j]
    if run_t or not run_l or len(run_l) >= _NAME_TOKENS:
        return None
    if before_ok and _title_name(toks[prev_j:j], tpl[prev_i], particles):
        return True, False
    if after_ok and _title_name(toks[prev_j + 1 : j + 1], tpl[i], particles):
        return False, True
    if capitals and before_ok and _sentence_words_around(tpl, prev_i, i) and _title_name(toks[prev_j:j], tpl[prev_i], capitals=True):
        return True, False
    if capitals and after_ok and _sentence_words_around(tpl, i, i + 1) and _title_name(toks[prev_j + 1 : j + 1], tpl[i], capitals=True):
        return False, True
    return None


def _sentence_words_around(tpl: tuple[str, ...], start: int, end: int) -> bool:
    """The template's tokens right before ``start`` and at ``end`` are plain words of a
    sentence, the one after in lower case: a place between them is an argument the sentence
    prints ("fetching <*> data", "Fetching <*> data"), not a console's wording in capitals
    beside a header's values."""
    return (
        start > 0 and end < len(tpl)
        and bool(_WORD_BEFORE_ARGUMENT.match(tpl[start - 1]) and _WORD_AFTER_ARGUMENT.match(tpl[end]))
    )


def _gaps_of(c: _Cluster) -> tuple[int, ...]:
    """The positions of a template's variables of any length: its gaps, or its span's."""
    return c.gaps if c.gaps else ((c.span,) if c.span is not None else ())


def _gapped_merge(
    tpl: tuple[str, ...], gaps: tuple[int, ...], toks: tuple[str, ...], optional_groups: bool = False,
    trailing_clauses: bool = False, digit_names: bool = False,
    value_pair: Callable[[tuple[str, ...], int, str, str], bool] | None = None, enclosed_values: bool = False,
    value_units: bool = False, name_words: bool = False, name_particles: bool = False, enclosing_values: bool = False,
    header_groups: bool = False, titled_texts: bool = False, byte_runs: bool = False, name_capitals: bool = False,
    nested_groups: bool = False,
) -> tuple[int, tuple[str, ...], tuple[int, ...]] | None:
    """(aligned constants, tokens, gap positions) of the gapped template that covers both the
    template and the line, or None where the two are not one message with parts of varying
    length: the first tokens must align (the message's header or first word), most constants
    of the longer must align, the tokens that align must name the message (two words at
    least), and every unaligned place must pass _gap_run_ok (values only, no field, not
    different tokens of one length). With ``value_pair``, a place of one token on both sides
    that it calls two values becomes a variable token, not a gap (_value_word_place)."""
    if not gaps and len(tpl) == len(toks):
        return None
    pairs = _align(tpl, gaps, toks, digit_names)
    if not pairs or pairs[0] != (0, 0):
        return None
    anchors = sum(1 for i, _ in pairs if tpl[i] != VAR)
    named = sum(1 for i, _ in pairs if _PLAIN_WORD.match(tpl[i]))
    consts_t = sum(1 for i, a in enumerate(tpl) if a != VAR and i not in gaps)
    consts_l = sum(1 for t in toks if t != VAR)
    if named < 2 or (anchors < _ALIGNED_SHARE * max(consts_t, consts_l) and not enclosed_values):
        return None
    # constants inside enclosed values (pass 24c) are the values' words, not the statement's
    excused_t = excused_l = 0
    out: list[str] = []
    new_gaps: list[int] = []
    dump_gaps: set[int] = set()
    ends = [*pairs, (len(tpl), len(toks))]
    prev_i, prev_j = -1, -1
    # the aligned pairs after the place just made a gap belong to that gap (_enclosed_place)
    taken = 0
    for k, (i, j) in enumerate(ends):
        run_t, run_l = tpl[prev_i + 1 : i], toks[prev_j + 1 : j]
        if (
            value_pair is not None and len(run_t) == len(run_l) == 1 and not any(prev_i < g < i for g in gaps)
            and _value_word_place(tpl, prev_i + 1, run_t[0], run_l[0], value_pair)
        ):
            # one value at a place of one token (pass 22c): a variable there, not a gap
            out.append(_merge_token(run_t[0], run_l[0]))
        elif run_t or run_l:
            was_gap = any(prev_i < g < i for g in gaps)
            if was_gap and len(run_t) > 1:
                return None  # a gap may take more of the line, never a constant of the template
            run_ok = was_gap or _gap_run_ok(run_t, run_l)
            if not run_ok and byte_runs and _byte_place(tpl, prev_i, i, run_t, run_l):
                dump_gaps.add(len(out))
                excused_t += sum(1 for x in run_t if x != VAR)
                excused_l += sum(1 for x in run_l if x != VAR)
            elif not run_ok and not (
                optional_groups and _framed(tpl, prev_i, i) and _optional_group(run_t, run_l)
            ) and not (
                trailing_clauses and i == len(tpl) and _trailing_clause(tpl, toks, prev_i, prev_j, run_t, run_l)
            ):
                ext = _enclosed_extent(
                    tpl, gaps, toks, ends, k, prev_i, prev_j,
                    len(out) - 1 - new_gaps[-1] if new_gaps else _ENCLOSED_TOKENS + 2, value_units,
                    enclosed_values, name_words, name_particles, enclosing_values, header_groups, titled_texts,
                    name_capitals, nested_groups,
                ) if enclosed_values or name_words or titled_texts else None
                if ext is None:
                    return None
                for _ in range(ext[0]):
                    out.pop()  # the aligned tokens before the place are the value's first ones
                if ext[0] > 1 or ext[1] > 1:
                    # the aligned constants inside the value are its words, not the statement's
                    for ai, aj in (*ends[k - ext[0] : k], *ends[k : k + ext[1]]):
                        if tpl[ai] != VAR:
                            excused_t += 1
                            excused_l += toks[aj] != VAR
                            anchors -= 1
                taken = ext[1]
                excused_t += sum(1 for x in run_t if x != VAR)
                excused_l += sum(1 for x in run_l if x != VAR)
            new_gaps.append(len(out))
            out.append(VAR)
        if i < len(tpl):
            a, t = tpl[i], toks[j]
            if taken:
                taken -= 1
            else:
                out.append(a if a == t else _merge_token(a, t))
        prev_i, prev_j = i, j
    if dump_gaps:
        out, new_gaps = _one_dump(out, new_gaps, dump_gaps)
    if not new_gaps or len(new_gaps) > _MAX_GAPS:
        return None
    if anchors < _ALIGNED_SHARE * max(consts_t - excused_t, consts_l - excused_l):
        return None
    return anchors, tuple(out), tuple(new_gaps)


def _span_tokens(tt: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> tuple[str, ...]:
    """The variable-length template of template ``tt`` and line ``toks`` cut at prefix ``p``
    and suffix ``s`` (by _span_cut)."""
    prefix = tuple(a if a == b else _merge_token(a, b) for a, b in zip(tt[:p], toks[:p], strict=True))
    suffix = tuple(
        a if a == b else _merge_token(a, b)
        for a, b in zip(tt[len(tt) - s :] if s else (), toks[len(toks) - s :] if s else (), strict=True)
    )
    return (*prefix, VAR, *suffix)


class TemplateEngine:
    """Online template miner with an exact-key fast path.

    ``add`` returns the template of a message, learning (creating or generalising a
    template) when no known template matches; ``match`` only looks up known
    templates. Not thread-safe: use one engine per thread or task.
    """

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self._buckets: dict[int, _Bucket] = {}
        self._seq = 0
        self._clusters: dict[int, _Cluster] = {}
        # the fast path in native code (template_native.TemplateIndex): a mirror of every
        # bucket's index and patterns and of the pending flags, and the exact-message cache
        # (message -> cluster number); see assign_text / match_batch
        self._native = TemplateIndex(
            self.config.message_cache_size,
            self.config.value_shapes,
            self.config.list_run,
            self.config.padded_brackets,
            self.config.unit_conversions,
            self.config.closed_quotes,
            self.config.padded_bracket_chains,
        )
        self._spans_pushed: list[tuple[int, int | None, tuple[str, ...], bool]] = []
        self._gapped_pushed: list[tuple[int, tuple[str, ...], tuple[int, ...], bool]] = []
        self._tok_cache: dict[str, str] = {}
        # (position, word, word) -> first sibling group where the two words alternated there
        self._pairs: dict[tuple[str, str], _Siblings] = {}
        # plain words some template has already generalised into a variable: a value
        # vocabulary ("root" of "Failed password for <*>") that other templates share
        self._values: set[str] = set()
        # value name -> sibling groups holding a word of that name (see _learn_value_name)
        self._groups_by_name: dict[str, list[_Siblings]] = {}
        # templates with a variable of any length (see _learn_span), and every template by
        # its first token: where a line's span partner is looked for
        self._spans: list[_Cluster] = []
        # gapped templates, by their first token ("" for one holding a variable)
        self._gapped: list[_Cluster] = []
        self._gapped_by_first: dict[str, list[_Cluster]] = {}
        # the same, by their first token ("" for a first token holding a variable)
        self._spans_by_first: dict[str, list[_Cluster]] = {}
        self._by_first: dict[str, list[_Cluster]] = {}
        # (message words, label) -> texts seen ending a line after that label (_tails_vary)
        self._tails: dict[tuple[str, ...], set[str]] = {}
        # (token count, fields) -> the template of table rows of that width (_table_template)
        self._tables: dict[tuple[int, int], _Cluster] = {}
        # the source position of the line being learned (None: it prints none)
        self._position: str | None = None
        # span number -> the fixed template it was made from (_later_tail)
        self._span_origins: dict[int, tuple[str, ...]] = {}
        # spans made from a record's first field (_leading_field): their delimiter, which the
        # run never holds (a line whose run does is another record with more fields)
        self._leading_delimiters: dict[int, str] = {}

    # ------------------------------------------------------------------ helpers
    def _mask(self, message: str) -> tuple[str, ...]:
        # the hot path: split, quoted-value join and per-token masking in one native pass
        # (template_native, Rust); _mask_reference below is the Python definition it must equal
        out, dated = mask_line(message)
        out = self._quotes_closed(message, out)
        if dated:
            out = collapse_dates(_raw_tokens(message), out)
        return self._collapse(message, out)

    def _quotes_closed(self, message: str, out: list[str]) -> list[str]:
        if self.config.closed_quotes and any(_open_value(t) for t in out):
            return _closed_quotes(_raw_tokens(message), out)
        return out

    def _collapse(self, message: str, out: list[str]) -> tuple[str, ...]:
        if "()" in message:
            # an empty bracket is an empty value ("()" / "(svc-jenkins)", uWSGI's remote user):
            # masked as the bracket around a value (Rust `tokens` does the same)
            out = [EMPTY_VALUE if t == "()" else t for t in out]
        if self.config.padded_brackets and ("[ " in message or "( " in message or " ]" in message or " )" in message):
            out = _join_padding(out)
            if self.config.padded_bracket_chains and "][" in message:
                out = _join_padded_chains(out)
        if self.config.unit_conversions and " (" in message:
            out = _drop_conversions(out)
        if self.config.value_shapes and "," in message:
            out = _collapse_value_lists(out)
        run = self.config.list_run
        if run and len(out) >= run and out.count(VAR) >= run:
            out = _collapse_lists(out, run)
        return tuple(out)

    def _mask_reference(self, message: str) -> tuple[str, ...]:
        """The pure-Python masking (token cache, masking.mask_token): the reference the
        native pass is tested against."""
        cache = self._tok_cache
        record = json_record(message) if message[:1] == "{" or message[:1].isspace() else None
        if record is not None:
            raw, out = record
            out = self._quotes_closed(message, out)
            if not DATE_WORDS.isdisjoint(raw):
                out = collapse_dates(raw, out)
            return self._collapse(message, out)
        raw = message.split()
        if '="' in message:
            raw = _join_quoted(raw)
        out = []
        for tok in raw:
            m = cache.get(tok)
            if m is None:
                m = mask_token(tok)
                if len(cache) >= self.config.token_cache_size:
                    cache.clear()
                if self.config.token_cache_size:
                    cache[tok] = m
            out.append(m)
        out = self._quotes_closed(message, out)
        if not DATE_WORDS.isdisjoint(raw):
            out = collapse_dates(raw, out)
        return self._collapse(message, out)

    def _remember(self, message: str, c: _Cluster) -> None:
        # message_cache_size entries at most, cleared when full (0: no cache)
        self._native.remember(message, c.seq)

    def _cached(self, message: str) -> _Cluster | None:
        seq = self._native.cached(message)
        return self._clusters[seq].resolve() if seq else None

    def _bucket(self, n: int) -> _Bucket:
        b = self._buckets.get(n)
        if b is None:
            b = self._buckets[n] = _Bucket(self._native, self.config.values_only_apart)
        return b

    def _new_cluster(self, toks: tuple[str, ...]) -> _Cluster:
        self._seq += 1
        c = _Cluster(self._seq, toks, self._native)
        self._clusters[c.seq] = c
        self._bucket(len(toks)).add(c)
        if toks:
            self._by_first.setdefault(toks[0], []).append(c)
        return c

    def _retokenise(self, c: _Cluster, toks: tuple[str, ...]) -> _Cluster:
        """Give ``c`` new tokens; if another template has them already, merge into it."""
        b = self._buckets[len(toks)]
        b.remove(c)
        other = b.index.get(toks)
        if other is not None and other is not c:
            other.count += c.count
            self._retire(c, other)
            return other
        if toks and toks[0] != c.tokens[0]:
            self._by_first.setdefault(toks[0], []).append(c)
        c._set_tokens(toks)
        b.add(c)
        return c

    def _closest(self, b: _Bucket, toks: tuple[str, ...]) -> tuple[_Cluster | None, list[int]]:
        """Most similar template of the bucket and the positions where the line has a
        different word (see :func:`_is_word_edit`) than the template."""
        n = len(toks)
        # similarity is measured over the tokens that hold words: a masked value can never
        # equal a template's constant, so counting it would keep lines made mostly of
        # values (access lines) from ever meeting their template
        # (and so are the values of key=value pairs, which generalise at once)
        th = self.config.similarity * sum(1 for t in toks if t != VAR and not _is_pair(t))
        # in a record of many fields the line's empty-field marker "-" meets a template's value
        # there as an equal token: the same field, empty in this line (see below)
        empty = _EMPTY if self.config.empty_fields_match_values and n >= _RECORD_FIELDS else frozenset()
        blanks = sum(1 for t in toks if t in empty)
        # candidates from the postings: a template with at least `need` equal tokens is
        # in at least one of any (lists - need + 1) of the line's posting lists, so the
        # shortest ones suffice (the common ones, like a "INFO" prefix, are skipped)
        need = max(1, math.ceil(th))
        postings = b.postings
        lists = [lst for lst in map(postings.get, enumerate(toks)) if lst is not None]
        for i, t in enumerate(toks):
            # a name with its bracketed argument ("DHCPACK(eth0)") meets a template that
            # has the name with a variable argument ("DHCPACK(<*>)"): see framed below
            m = _ARGUMENT.match(t)
            if m is not None:
                lst = postings.get((i, m.group(1) + VAR + m.group(3)))
                if lst is not None:
                    lists.append(lst)
        # a token with a part glued to a masked value may count as equal without being in
        # the postings (see _glued_part): the bound then needs that many fewer lists
        vshape = self.config.value_shapes
        glued = sum(1 for t in toks if VAR in t and _GLUE.search(t) is not None) if vshape else 0
        posted = max(1, need - glued - blanks)
        if len(lists) < posted:
            return None, []
        lists.sort(key=len)
        candidates: set[_Cluster] = set()
        for lst in lists[: len(lists) - posted + 1]:
            candidates.update(lst)
        best = None
        best_score: tuple[int, int, bool, int, int] = (-(n + 1), -(n + 1), False, -1, -1)
        keyword_last = self.config.keyword_differences_last
        best_words: list[int] = []
        # a name whose bracketed argument is a variable ("DHCPACK(<*>)", "query[<*>]") is a
        # constant word of the message when the line has that name: it counts as equal
        framed = {t for c in candidates for t in c.tokens if _FRAMED.match(t)}
        # whether the line has a token that can show another statement (_other_statement)
        marked = any(t[:1] in "+-" or t.startswith(_MESSAGE_KEYS) for t in toks)
        names = self.config.message_names
        keep_text = marked and self.config.message_text_keeps_word
        json_line = is_json_tokens(toks)
        record_texts = self.config.record_texts_kept
        prepositions = self.config.prepositions_not_values
        texts = self.config.message_text_words
        settings = self.config.setting_names
        signs = self.config.signs_apart
        for c in candidates:
            if self._other_syntax(c, json_line):
                continue
            ct = c.tokens
            eq = sum(
                1 for a, t in zip(ct, toks, strict=True)
                if a != VAR and (a == t or (a in framed and _wild_ok(a, t)) or (vshape and _glued_part(a, t)))
            )
            if blanks:
                eq += sum(1 for a, t in zip(ct, toks, strict=True) if t in empty and VAR in a)
            if eq < need or (
                marked and any(
                    _other_statement(a, t, ct, i, names) for i, (a, t) in enumerate(zip(ct, toks, strict=True)) if a != t
                )
            ):
                continue
            if prepositions and any(_preposition_at_value(a, t) for a, t in zip(ct, toks, strict=True) if a != t):
                continue  # a preposition where the other prints a value: another statement
            if keep_text and any(
                _message_loses_words(a, t) and all("=" in x or VAR in x for x in ct[:i])
                for i, (a, t) in enumerate(zip(ct, toks, strict=True)) if a != t
            ):
                continue  # the message text would keep no word: another statement
            if record_texts and json_line and any(
                _json_key(a) and _json_key(t) for a, t in zip(ct, toks, strict=True) if a != t
            ):
                continue  # two records of other fields: two statements' arguments (see _optional_field)
            params = 0
            keywords = 0
            words: list[int] = []
            for i in range(n):
                a = ct[i]
                if a == VAR:
                    params += 1
                    continue
                t = toks[i]
                if a == t:
                    continue
                if self.config.negated_variants and _negated_variant(a, t) and not (vshape and self._state_pair(ct, i, t)):
                    words.append(i)  # whatever else would vouch for them as values
                    keywords += keyword_last
                    continue
                if signs and _sign_pair(ct, i, a, t):
                    words.append(i)  # so are two marks of a statement's kind (see _sign_pair)
                    keywords += keyword_last
                    continue
                if self._keyword_pair(ct, i, a, t):
                    words.append(i)  # so are an outcome and its opposite, two verb forms (see _keyword_pair)
                    keywords += keyword_last
                    continue
                if settings and _setting_names(ct, toks, i, self.config.setting_name_cases):
                    words.append(i)
                    continue
                if VAR in a and _wild_ok(a, t):
                    params += 1
                elif t == VAR and _is_symbol(a) and not _masked_shape(a):
                    # a run of symbols ("****", "--") is structure, not a value's placeholder
                    words.append(i)
                elif (
                    (_is_word_edit(a, t, self.config.glued_header_words) or (texts and _text_word_edit(a, t)))
                    and not (vshape and (self._pair_is_values(a, t) or self._state_pair(ct, i, t) or _glued_part(a, t)))
                    and not json_value_at(ct, i)  # a JSON record's field value (see masking)
                ):
                    # two different words: maybe different templates, maybe a variable
                    words.append(i)
            # a template differing in its first word is the last choice: first words
            # are usually what tells messages apart, later words more often values
            # ... after a template that differs in a keyword pair, which no evidence ever merges
            # (the line is another statement or variant of that one): one differing in a word
            # that may be a value is the better choice (pass 26d)
            score = (-len(words), -keywords, words != [0], eq, params)
            if score > best_score or (score == best_score and best is not None and c.seq < best.seq):
                best, best_score, best_words = c, score, words
        return best, best_words

    # ---------------------------------------------------------------------- API
    def add(self, message: str) -> Match:
        """Template of ``message``; learns a new or more general template if needed."""
        c = self._cached(message)
        if c is not None and not c.pending and not c.announce:
            c.count += 1
            return Match(c.template_id, c.template, False, None, c.seq)
        c, is_new, replaced = self._learn(message)
        self._announce(c)
        prev = replaced[0] if replaced else None
        return Match(c.template_id, c.template, is_new, prev, c.seq, replaced)

    def assign(self, message: str) -> tuple[int, str]:
        """Like :meth:`add` but returns only (cluster, template): the hot loop of bulk
        parsing, without building a Match."""
        c = self._cached(message)
        if c is not None and not c.pending and not c.announce:
            c.count += 1
            return c.seq, c.template
        c = self._learn(message)[0]
        return self._announce(c), c.template

    def _retire(self, s: _Cluster, into: _Cluster) -> None:
        """``s`` is merged into ``into``; with ``announce_retired`` its number (and those it
        still had to announce) are reported by ``into``'s next lines."""
        s.merged_into = into
        if not self.config.announce_retired:
            return
        # every number ``s`` had retired, not only those it had still to announce: their last
        # reported template is one of ``s``'s, which is no longer the current one
        into.announce += [x for x in dict.fromkeys([*s.announce, *s.retired, s.seq]) if x not in into.announce]
        into.retired += [*s.retired, s.seq]
        s.announce = []
        s.retired = []
        into.pending = into.pending  # tell the native index that Python answers its lines

    def _announce(self, c: _Cluster) -> int:
        """The number to report a line of ``c`` under: a retired template it covers that has
        not been reported since it retired, else its own. A stream consumer takes a
        cluster's last template (the harness's and drain-style evaluation), so the retired
        number's earlier lines follow the template that absorbed them."""
        if not c.announce:
            return c.seq
        seq = c.announce.pop(0)
        if not c.announce:
            c.pending = c.pending  # answered natively again
        return seq

    def assign_batch(self, messages: Iterable[str]) -> list[tuple[int, str]]:
        """:meth:`assign` for many messages in order (one call per batch for callers that
        parse record batches; the results are exactly those of calling assign in a loop)."""
        clusters = self._clusters
        out: list[tuple[int, str]] = []
        for seqs, message in self._bulk_list(messages):
            if seqs:
                made = {seq: (seq, clusters[seq].template) for seq in set(seqs)}
                out += map(made.__getitem__, seqs)
            if message is not None:
                answer = self.assign(message)
                self._settle(answer[0])
                out.append(answer)
        return out

    def match_batch(self, messages: Iterable[str]) -> list[Match]:
        """:meth:`add` for many messages in order: learns, returns one Match per message
        (exactly those of calling add in a loop; lines of known templates are answered by
        the native index, the others by :meth:`add`)."""
        clusters = self._clusters
        out: list[Match] = []
        for seqs, message in self._bulk_list(messages):
            if seqs:
                made = {}
                for seq in set(seqs):
                    c = clusters[seq]
                    made[seq] = Match(c.template_id, c.template, False, None, seq)
                out += map(made.__getitem__, seqs)
            if message is not None:
                match = self.add(message)
                self._settle(match.cluster)
                out.append(match)
        return out

    def assign_text(self, text: str) -> array:
        """Cluster numbers of the lines of ``text`` (each line ends in "\n" and is taken
        without trailing "\r"/"\n"), exactly as :meth:`assign` line by line would give them."""
        out = array("I")
        for seqs, seq in self._bulk_text(text, 0):
            out.frombytes(seqs)
            if seq:
                out.append(seq)
        return out

    def render_text(self, text: str, as_json: bool = True) -> str:
        """:meth:`assign_text`, answered as the stream's output lines: one JSON object
        ``{"cluster", "template", "template_id"}`` per line, or ``template_id<TAB>template``."""
        mode = 1 if as_json else 2
        clusters = self._clusters
        out = []
        for rendered, seq in self._bulk_text(text, mode):
            out.append(rendered)
            if seq:
                c = clusters[seq].resolve()  # a retired number announced (_announce)
                out.append(TemplateIndex.render_line(seq, c.template, c.template_id, mode))
        return "".join(out)

    def _count_hits(self) -> None:
        # lines the native index answered since the last call, added to the templates' counts
        clusters = self._clusters
        for seq, n in self._native.take_hits():
            clusters[seq].count += n

    def _settle(self, seq: int) -> None:
        # a pending template without a merge due (_due_group): its lines found by lookup are
        # answered natively until its pending flag is set again (a line answered from the
        # message cache still goes through lookup, as in assign)
        c = self._clusters[seq].resolve()
        if c.pending and _due_group(c) is None and not (c.announce or c.watched or c.values_only):
            self._native.settle(c.seq)

    def _sync_spans(self) -> None:
        # the variable-length templates as the native index must see them (it answers lines
        # they cover unchanged, and cached lines of theirs); they change only in Python
        # (mining), so this runs before a bulk call and after each line Python answered
        # in _span_candidates' order (by number): the native index answers a line with the
        # first candidate that covers it (as _covering_span does)
        spans = sorted(self._spans, key=lambda c: c.seq)
        state = [(c.seq, c.span, c.tokens, c.merged_into is None) for c in spans]
        if state != self._spans_pushed:
            self._native.set_spans(
                [(seq, span, tokens, alive, c.template, c.template_id) for (seq, span, tokens, alive), c in zip(state, spans, strict=True)]
            )
            self._spans_pushed = state
        # the gapped templates after the spans (a span that became gapped is alive there)
        gapped = sorted(self._gapped, key=lambda c: c.seq)
        gapped_state = [(c.seq, c.tokens, c.gaps, c.merged_into is None) for c in gapped]
        if gapped_state != self._gapped_pushed:
            self._native.set_gapped(
                [(seq, tokens, list(gaps), alive, c.template, c.template_id) for (seq, tokens, gaps, alive), c in zip(gapped_state, gapped, strict=True)]
            )
            self._gapped_pushed = gapped_state

    def _redirect(self, dead: int) -> None:
        # a cached cluster merged away: where it went, so that the native index answers
        # its other cached lines again
        target = self._clusters[dead].resolve().seq
        if target != dead:
            self._native.redirect(dead, target)

    def _bulk_text(self, text: str, mode: int) -> Iterator[tuple[Any, int]]:
        """Pairs (lines the native index answered: cluster numbers as array("I") bytes in
        mode 0, rendered lines in mode 1 (JSON) or 2 (text); the cluster of the next line,
        answered by :meth:`assign`, or 0 at the end)."""
        native, mask, collapse = self._native, self._mask, self._collapse
        pos = 0
        self._sync_spans()
        while True:
            answered, pos, line, dead = native.assign_text(text, pos, mode, mask, collapse)
            self._count_hits()
            if line is None:
                yield answered, 0
                return
            if dead:
                self._redirect(dead)
            seq = self.assign(line)[0]
            self._settle(seq)
            self._sync_spans()
            yield answered, seq

    def _bulk_list(self, messages: Iterable[str]) -> Iterator[tuple[array, str | None]]:
        """Pairs (clusters of the messages the native index answered; the next message, for
        Python to answer (then to _settle), or None at the end), in order."""
        msgs = messages if isinstance(messages, list) else list(messages)
        native, mask, collapse = self._native, self._mask, self._collapse
        i, n = 0, len(msgs)
        while i < n:
            self._sync_spans()
            answered, i, dead = native.assign_list(msgs, i, mask, collapse)
            self._count_hits()
            seqs = array("I")
            seqs.frombytes(answered)
            if i >= n:
                yield seqs, None
                return
            if dead:
                self._redirect(dead)
            yield seqs, msgs[i]
            i += 1

    def _learn(self, message: str) -> tuple[_Cluster, bool, tuple[str, ...]]:
        """Fast path, else mining. Returns (template, is_new, ids it replaced)."""
        if not self.config.source_positions:
            learned = self._learn_line(message)
        else:
            self._position = source_position(message)
            learned = self._learn_line(message)
            if self._position is not None and (learned[1] or learned[2]):
                self._count_position(learned[0])
            self._position = None
        if self.config.table_fields and "\t" in message:
            self._note_table_row(message, learned[0])
        return learned

    def _table_width(self, message: str) -> int:
        """Fields of a line that is a table row (at least ``table_fields`` tab-separated
        fields), else 0."""
        n = message.count("\t") + 1
        return n if self.config.table_fields and n >= self.config.table_fields else 0

    def _note_table_row(self, message: str, c: _Cluster) -> None:
        width = self._table_width(message)
        if width and c.span is None and not c.gaps:
            key = (len(c.tokens), width)
            known = self._tables.get(key)
            if known is None or known.merged_into is not None:
                self._tables[key] = c

    def _table_template(self, message: str, toks: tuple[str, ...]) -> _Cluster | None:
        """The template of table rows of this line's width and token count: a table's rows
        are records of one schema, not statements, so what differs between two of them is
        the value of a field, however many fields differ and whatever their words."""
        if not self.config.table_fields or "\t" not in message:
            return None
        width = self._table_width(message)
        c = self._tables.get((len(toks), width)) if width else None
        if c is None or c.merged_into is not None or c.span is not None or c.gaps:
            return None
        return c

    def _count_position(self, c: _Cluster, unchanged: bool = False) -> None:
        """One more line of ``c`` printed the line's source position: a line mined into it, or
        with ``unchanged`` one it answered as it is. With ``positions_on_every_line`` a
        template whose lines have shown one position, in fewer than _WATCHED_LINES lines, is
        watched: Python answers its lines unchanged too (not the native index) and counts
        them, so that a second position among them (a position that is not the statement's)
        is seen before the template refuses a line of another position (_other_position)."""
        position = self._position
        if position is not None:
            seen = c.unchanged if unchanged else c.positions
            seen[position] = seen.get(position, 0) + 1
        shown = self._shown_positions(c)
        watch = (
            self.config.positions_on_every_line
            and c.span is None
            and not c.gaps
            and len(shown) == 1
            and next(iter(shown.values())) < _WATCHED_LINES
        )
        if watch != c.watched:
            c.watched = watch
            c.pending = c.pending  # tell the native index who answers its lines

    def _shown_positions(self, c: _Cluster) -> dict[str, int]:
        """The source positions ``c``'s lines printed, with how many lines printed each: the
        lines mined into it, and with ``positions_on_every_line`` those it answered unchanged
        while watched."""
        if not c.unchanged:
            return c.positions
        shown = dict(c.positions)
        for position, lines in c.unchanged.items():
            shown[position] = shown.get(position, 0) + lines
        return shown

    def _other_position(self, c: _Cluster) -> bool:
        """The line being learned prints another source position than the one template
        ``c`` has shown in every line mined into it, two at least: another statement. (A
        source whose positions are not the statement's, line numbers that vary from line to
        line, never shows one position twice alone, so it never gets here.) With
        ``positions_on_every_line`` the lines ``c`` answered unchanged while watched count too."""
        positions = self._shown_positions(c)
        if self._position is None or len(positions) != 1:
            return False
        ((shown, lines),) = positions.items()
        return lines >= 2 and shown != self._position

    def _same_position(self, c: _Cluster) -> bool:
        """The line being learned prints the one source position template ``c`` has shown
        in every line mined into it, two at least: the same statement."""
        if self._position is None or len(c.positions) != 1:
            return False
        ((shown, lines),) = c.positions.items()
        return lines >= 2 and shown == self._position

    def _other_syntax(self, c: _Cluster, json_line: bool) -> bool:
        """A JSON record and a line that is not one are two formats, whatever their tokens
        share ('{"ts":' fits '<*>:'): neither joins a template of the other (pass 16)."""
        return self.config.json_apart and is_json_tokens(c.tokens) != json_line

    def _loses_last_word(self, old: tuple[str, ...], new: tuple[str, ...]) -> bool:
        """A variable-length template ``old`` would become ``new`` with no literal word: its
        prefix and suffix would then name no statement, and its variable takes any number of
        tokens, so it would cover lines of any program printed with the same punctuation
        (pass 16). A template of values alone from its first line had no word to lose; a
        template of fixed length keeps its token count and each token's shape (an access
        record whose method and cache status became values is still one record)."""
        return (
            self.config.keep_a_word and not _names_something(new)
            and (_names_something(old) or self.config.no_wordless_spans)
        )

    def _span_loses_statement(self, old: tuple[str, ...], new: tuple[str, ...]) -> bool:
        """A span template that names its statement by a word besides its severity would,
        generalised for a later line, name nothing but the severity (``[<*>] <*> INFO: <*>
        folder <*> (<*>)`` as ``[<*>] <*> INFO: <*> <*> <*> <*>``, ``WARN <*>: Request failed
        <*>`` as ``WARN <*>: <*>``): the line's words differ from every word of the statement,
        so it is another statement printed at that level, not the same one with other values.
        A span made from two lines is asked by _cut_loses_statement instead."""
        return self.config.span_keeps_a_message_word and _names_statement(old) and not _names_statement(new)

    def _cut_loses_statement(self, old: tuple[str, ...], line: tuple[str, ...], p: int, new: tuple[str, ...]) -> bool:
        """A span cut at ``p`` from the template ``old`` and ``line`` (_learn_span,
        _span_after_change) would be ``new``, which names nothing but its severity, while one
        of the two named a word of its own: the run the cut took is each line's whole
        message, so the two are statements printed after one header, and the span would take
        every statement of that logger (_span_loses_statement asks the same of a later line's
        tail). A label's or a code's text is not asked (_label_or_code_text)."""
        return (
            self.config.span_cuts_keep_a_message_word and not _names_statement(new)
            and (_names_statement(old) or _names_statement(line)) and not _label_or_code_text(old, line, p)
        )

    def _cut_loses_a_word(self, tpl: tuple[str, ...], toks: tuple[str, ...], cut: tuple[int, int]) -> bool:
        """The span the cut would make from ``tpl`` and ``toks`` loses the words that named a
        statement (_loses_last_word) or names nothing but its severity though one of the two
        named a word (_cut_loses_statement) or prints nothing but values after the header's
        severity (_values_after_severity): both paths that cut a span from two lines
        (_learn_span, _span_after_change) refuse it."""
        new = _span_tokens(tpl, toks, *cut)
        return (
            self._loses_last_word(tpl, new) or self._cut_loses_statement(tpl, toks, cut[0], new)
            or (self.config.values_after_severity and _values_after_severity(new, tpl, toks))
        )

    def _fixed_loses_last_word(self, old: tuple[str, ...], line: tuple[str, ...], new: tuple[str, ...]) -> bool:
        """A fixed-length template ``old`` and a line that each print a word alone would merge
        into ``new``, which names nothing but its severity: every word of both was taken for a
        value at once (``<inf> net_config: Initializing network`` and ``<inf> littlefs: <*>
        mounted`` as ``<inf> <*>: <*> <*>``). A statement prints at least one word of its
        own, so two lines that share none are two statements; the merged template would take
        every later line of its token count and punctuation. Not asked where a rule vouched
        for the differing words as a record's fields or values (pass 23c)."""
        return (
            self.config.fixed_keep_a_word and _plain_word(old) and _plain_word(line) and not _names_statement(new)
        )

    def _sibling_loses_last_word(self, tokens: tuple[str, ...], pos: int, line: tuple[str, ...]) -> bool:
        """A template and a line (or two sibling templates) that differ in the word at ``pos``
        and each print a word alone would merge into a template that names nothing but its
        severity: the differing word was the statement's own (Ansible's ``| changed: [<*>]``
        / ``| ok: [<*>]`` after a header of ``key=value`` fields, dpkg's ``<date> configure
        <pkg> <ver>`` / ``remove``). The one-word sibling path's evidence (a pair alternating
        elsewhere, the value vocabulary, a word's shape or place, min_word_values) says the
        word varies; a statement prints at least one word of its own, so a merge that keeps
        none is refused whatever vouched for it (pass 23c's rule for the sibling path)."""
        if not self.config.siblings_keep_a_word or not (_own_word(tokens) and _own_word(line)):
            return False
        if _request_method(tokens, line, [pos]):
            return False  # a request's method, a field of the request line (as in _learn_line)
        rest = tokens[:pos] + tokens[pos + 1 :]
        # a program's syslog tag ("opendmarc[<*>]:") names what printed the statement, as a
        # word of its own does; a header's key=value fields and its severity are the logger's
        return not (_own_word(rest) or any(_PROGRAM_TAG.match(t) for t in rest))

    def _group_loses_last_word(self, group: _Siblings, pos: int, toks: tuple[str, ...]) -> bool:
        """The sibling group would merge at ``pos`` (with the line ``toks``) into a template that
        names nothing but its severity, though a member or the line prints a word of its own:
        _sibling_loses_last_word asks the line's template and one line, but the merge takes
        every member's variables too, so dcmtk's ``I: <*> Received`` / ``I: <*> Release``
        beside ``I: Association Aborted`` made ``I: <*> <*>``, and clangd's ``PID: <*>`` /
        ``argv[<*>]: <*>`` beside ``--> <*>`` (no word of its own) made ``I[<*>] <*> <*>``;
        either then takes every two-token message of its program. The merged template is
        what must keep a word (pass 36f)."""
        if not self.config.sibling_groups_keep_a_word:
            return False
        if self.config.lower_labels_name_values and all(
            w.endswith(":") and w.lower() == w for w in (*group.values, toks[pos])
        ):
            # labels in lower case ("api:" / "kv-explorer:", "http_req_waiting....:") name a
            # component or a metric, the value the statement prints its line for
            return False
        members = [m.tokens for m in group.members if m.merged_into is None]
        if not (_own_word(toks) or any(_own_word(t) for t in members)):
            return False
        if any(_request_method(t, toks, [pos]) for t in members):
            return False  # a request's method (see _sibling_loses_last_word)
        merged = _rows_template([toks, *members])
        rest = merged[:pos] + merged[pos + 1 :]
        return not (_own_word(rest) or any(_PROGRAM_TAG.match(t) for t in rest))

    def _group_drifted(self, group: _Siblings, pos: int, toks: tuple[str, ...]) -> bool:
        """Whether the sibling group's templates (with the line ``toks``) have drifted apart
        since they joined: at two or more places besides ``pos`` one prints a plain word where
        another prints a bare value (they joined differing in one word, the masked values
        meeting the other words without counting as differences, see TemplateEngine._closest;
        one of them generalised since), and the merge would turn more places of plain words
        into variables than it keeps: two statements that share a header, not one statement's
        values (a template that keeps most of its words, "Sent: <*> MB" / "Sent: <*> <*>", is
        still one statement; pass 37b)."""
        if not self.config.sibling_groups_one_word:
            return False
        rows = [toks, *(m.tokens for m in group.members if m.merged_into is None)]
        if len({len(r) for r in rows}) != 1 or _words_against_values(rows, pos) < _DRIFTED_PLACES:
            return False
        merged = _rows_template(rows)
        kept = sum(1 for t in merged if _letters_word(t))
        lost = sum(
            1 for j, t in enumerate(merged) if not _letters_word(t) and any(_letters_word(r[j]) for r in rows)
        )
        return lost > kept

    def _keys_apart(self, group: _Siblings, pos: int, toks: tuple[str, ...]) -> bool:
        """Whether the group's words at ``pos`` (and the line's) are all bare keys, each glued to
        its "=" with the value printed as the next token ("average force= <*>" / "average flux=
        <*>"): a field's name is a constant of the statement's format string, so templates
        differing in it are two statements, and a merge would lose the name the line prints
        its value under (pass 38e). A template that holds a variable there already merged; a
        place that printed min_word_values keys or more names its field by a value (a metrics
        dump's "<name>= <value>"), as any plain word's place does."""
        if not self.config.sibling_keys_apart:
            return False
        rows = [toks, *(m.tokens for m in group.members if m.merged_into is None)]
        keys = {r[pos] for r in rows}
        return (
            len(keys) > 1
            and len(keys | group.values) < self.config.min_word_values
            and all(_bare_key_at(r, pos) for r in rows)
        )

    def _record_loses_last_word(self, old: tuple[str, ...], line: tuple[str, ...], new: tuple[str, ...]) -> bool:
        """The record rule (most tokens hold values, so one or two differing words are more
        field values) would merge a template and a line printed by two programs (their syslog
        tags differ: ``rauc[<*>]:`` / ``mender[<*>]:``) into ``new``, which names nothing but
        its severity: the "fields" it took were the program's tag and its message's words
        (``rauc[<*>]: Updating <*> <*> <*>`` against ``mender[<*>]: time="<*>" level=error
        msg="<*>" module=<*>``, one token each after masking). With no word and no tag left
        the template takes every later line of its token count and punctuation, whatever
        program printed it. Two tags alone are no evidence of two statements (one binary
        prints under several service names, ``cyrus/imap`` / ``cyrus/imaps``); a merge that
        keeps a word of the statement is left to the record rule (pass 24f)."""
        return (
            self.config.records_keep_a_word
            and not _names_statement(new)
            and any(a != t and _PROGRAM_TAG.match(a) and _PROGRAM_TAG.match(t) for a, t in zip(old, line, strict=True))
        )

    def _record_loses_glued_name(self, old: tuple[str, ...], line: tuple[str, ...], new: tuple[str, ...]) -> bool:
        """The record rule would merge a template and a line that print different names glued
        to values at one place (_glued_names: "--news=<*>" / "--sync=<*>", "REQUEST(<*>):" /
        "SUBSCRIBE(<*>):") into ``new``, which keeps no word after its first token (a
        header's "MSG:[<*>", a level is no word): the names were the statements' own words,
        so the template would take every later line of its token count after that header.
        The first token is left to the record rule's other checks; a merge that keeps a word
        after it is left to the record rule (pass 39e)."""
        return (
            self.config.records_keep_glued_names
            and not _names_statement(new[1:]) and _names_statement(old[1:])
            and any(_glued_names(a, t) for a, t in zip(old[1:], line[1:], strict=True))
        )

    def _learn_line(self, message: str) -> tuple[_Cluster, bool, tuple[str, ...]]:
        toks = self._mask(message)
        b = self._bucket(len(toks))
        c = b.lookup(toks)
        if c is not None and self._values_take_named(c, toks):
            c = None  # mined instead (see _values_take_named)
        if c is not None:
            group = _due_group(c)
            if group is not None and (
                any(
                    self._sibling_loses_last_word(c.tokens, group.pos, m.tokens)
                    for m in group.members
                    if m.merged_into is None and m.tokens[group.pos] != c.tokens[group.pos]
                )
                or self._group_loses_last_word(group, group.pos, c.tokens)
                or self._group_drifted(group, group.pos, c.tokens)
                or self._keys_apart(group, group.pos, c.tokens)
            ):
                # the merge would keep no word of the statements: they stay apart
                group.evident = False
                for m in group.members:
                    m.pending = any(g.evident for g in m.sib.values())
                group = None
            if group is not None:
                old_ids = [m.template_id for m in group.members if m.merged_into is None]
                c = self._merge_siblings(group, group.pos, c.tokens)
                old_ids += self._absorb(c)
                old_ids += self._span_after_change(c)
                self._siblings_after_change(c)
                c.count += 1
                self._remember(message, c)
                return c, False, _retired(old_ids, c.template_id)
            c.count += 1
            self._remember(message, c)
            if c.watched:
                self._count_position(c, unchanged=True)
            return c, False, ()
        if self._gapped:
            # (before the spans: a gapped template that covers the line as it is answers it
            # without learning, so the native index can answer such lines whatever spans
            # share their first token)
            g = self._covering_gapped(toks)
            if g is not None:
                g.count += 1
                self._remember(message, g)
                return g, False, ()
        if self._spans:
            hit = self._match_span(toks)
            if hit is not None:
                c, old_ids = hit
                c.count += 1
                self._remember(message, c)
                return c, False, old_ids
        table = self._table_template(message, toks)
        c, words = (table, []) if table is not None else self._closest(b, toks)
        if c is not None and self._other_position(c):
            return self._create_or_span(message, toks)
        # the differing words are a record's fields or a statement's values by a rule's
        # evidence (a table row, a record-like line, a request method, two values at once)
        vouched = table is not None
        by_record = False
        quoted: tuple[int, int] | None = None
        if c is not None and words and (
            self._is_record(c, words, toks) or _request_method(c.tokens, toks, words, self.config.methods_in_cells)
        ):
            # a field value of a record-like line: generalise at once (below)
            words, vouched, by_record = [], True, True
        elif c is not None and 2 <= len(words) <= 4 and self._values_at_both(c, words, toks):
            # two values of one statement (or up to four, a name printed twice among them):
            # generalise at once (below)
            if self.config.quoted_word_runs and _one_quoted_text_at(c.tokens, toks, words):
                # one quoted argument: the words its two texts share are its own as well
                quoted = _quoted_run_around(toks, min(words), max(words))
            words, vouched = [], True
        if c is None or len(words) > 1:
            return self._create_or_span(message, toks)
        if words:
            i = words[0]
            if (
                i == 0
                and not self.config.merge_first_word
                and _merge_token(c.tokens[0], toks[0]) == VAR
                and not (self.config.numbered_heads and _numbered_names((c.tokens[0], toks[0])))
            ):
                return self._create_or_span(message, toks)
            if self.config.field_keys and _event_after_header(c.tokens, toks, i):
                return self._create_or_span(message, toks)
            group = self._sibling_group(c, i)
            word = toks[i]
            if word not in group.values and (self._tagged_head(group, word) or self._setting_group(group, word)):
                # the message's first word after its program's tag names the statement, as
                # a setting's name does
                gapped = self._gapped_beside(message, toks)
                if gapped is not None:
                    return gapped
                new = self._create(message, toks)
                self._join_siblings(group, new, word)
                return new, True, ()
            if self._negated_sibling(group, word):
                new = self._create(message, toks)
                self._join_siblings(group, new, word)
                return new, True, ()
            if (
                word not in group.values
                and len(group.values) + 1 < self.config.min_word_values
                and not self._pair_seen_elsewhere(group, word)
                and not self._value_evidence(group, word)
                and not (
                    self.config.repeated_values
                    and _repeated_value(c.tokens, toks, i, self.config.repeated_whole_names, self.config.repeated_name_forms)
                )
                and not self._diverse(group)
                and not self._same_position(c)
            ):
                # a different word: a template of its own, until the position varies enough
                spanned = self._learn_span(message, toks) or self._learn_label_printed_empty(message, toks)
                if spanned is not None:
                    return spanned
                new = self._create(message, toks)
                self._join_siblings(group, new, word)
                return new, True, ()
            if (
                self._sibling_loses_last_word(c.tokens, i, toks)
                or self._group_loses_last_word(group, i, toks)
                or self._group_drifted(group, i, toks)
                or self._keys_apart(group, i, toks)
            ):
                # the merge would keep no word of the statements: a template of its own (the
                # pair is still noted: two words alternating here vouch for templates that
                # keep a word, "default: Job OK" / "low: Job OK")
                self._pair_seen_elsewhere(group, word)
                new = self._create(message, toks)
                self._join_siblings(group, new, word)
                return new, True, ()
            old_ids = [c.template_id] + [m.template_id for m in group.members if m is not c and m.merged_into is None]
            c = self._merge_siblings(group, i, toks)
        else:
            merged = tuple(a if a == t else _merge_token(a, t) for a, t in zip(c.tokens, toks, strict=True))
            if quoted is not None:
                # (from the template's own tokens: merging 'Pager\"' with 'Digest\"' loses the escape)
                lo, hi = quoted
                merged = merged[:lo] + _whole_quoted_value(c.tokens, lo, hi)[lo : hi + 1] + merged[hi + 1 :]
            if not vouched and self._fixed_loses_last_word(c.tokens, toks, merged):
                return self._create_or_span(message, toks)
            if by_record and self._record_loses_last_word(c.tokens, toks, merged):
                # the record's "fields" were two programs' tags and their messages' words
                return self._create_or_span(message, toks)
            if by_record and self._record_loses_glued_name(c.tokens, toks, merged):
                # the record's "fields" were two statements' names printed with their arguments
                return self._create_or_span(message, toks)
            old_ids = [c.template_id]
            if self.config.value_shapes:
                self._learn_values(c.tokens, toks, merged)
            c = self._retokenise(c, merged)
        old_ids += self._absorb(c)
        self._late_record(c)
        old_ids += self._span_after_change(c)
        old_ids += self._gapped_after_change(c)
        self._siblings_after_change(c)
        c.count += 1
        self._remember(message, c)
        return c, False, _retired(old_ids, c.template_id)

    @staticmethod
    def _values_take_named(c: _Cluster, toks: tuple[str, ...]) -> bool:
        """Lookup found for the line a template of fixed length of bare variables alone
        (_bare_values, see values_only_apart) while the line names something (a word
        outside its values, or a delimiter: _names_something): the template covers the line
        only because it covers every line of its token count, not because it has shown any of
        the line's words; the line is another statement (a sentence among a solver's progress
        rows, "Courant Number mean: <*> max: <*>" among rows of six numbers) and is mined
        (it cannot join the template there: it shares no constant token with it). Pass 38b."""
        return c.values_only and _names_something(toks)

    def _gapped_beside(self, message: str, toks: tuple[str, ...]) -> tuple[_Cluster, bool, tuple[str, ...]] | None:
        """A line that differs from a template of its own length in the word after its
        program's tag (another statement: DHCPOFFER / DHCPACK, _tagged_head) aligned with the
        templates of another length, as a line that matches nothing is (_create_or_span): the
        word tells the two statements apart, not this line from its own statement's lines with
        a part printed only sometimes (dhcpd's "to <mac> (<host>) via" / "to <mac> via"). Only
        there: where the word may still be a value (the sibling path), a gapped template would
        leave the sibling merges (gapped templates have none; smartd's attribute names, in
        shuffled orders). Pass 22b."""
        if not (self.config.gapped_beside_siblings and self.config.gapped_values):
            return None
        return self._learn_gapped(message, toks)

    # ------------------------------------------------------ variable-length values
    def _create_or_span(self, message: str, toks: tuple[str, ...]) -> tuple[_Cluster, bool, tuple[str, ...]]:
        spanned = self._learn_span(message, toks)
        if spanned is None and self.config.gapped_values:
            spanned = self._learn_gapped(message, toks)
        if spanned is None:
            spanned = self._learn_label_printed_empty(message, toks)
        if spanned is not None:
            return spanned
        return self._create(message, toks), True, ()

    @staticmethod
    def _first_key(c: _Cluster) -> str:
        """Where a variable-length or gapped template is filed: its first token, or "" when
        that is a value (the template is then a candidate for every line)."""
        first = c.tokens[0]
        return "" if VAR in first else first

    def _register_span(self, c: _Cluster) -> None:
        lst = self._spans_by_first.setdefault(self._first_key(c), [])
        if c not in lst:
            lst.append(c)

    def _span_candidates(self, toks: tuple[str, ...]) -> list[_Cluster]:
        """Live variable-length templates whose first token can cover the line's."""
        if not toks:
            return []
        out = []
        for key in (toks[0], ""):
            for c in self._spans_by_first.get(key, ()):
                if c.merged_into is None and self._first_key(c) == key:
                    out.append(c)
        out.sort(key=lambda c: c.seq)
        return out

    def _match_span(self, toks: tuple[str, ...]) -> tuple[_Cluster, tuple[str, ...]] | None:
        """The template with a variable-length value that covers the line, generalising its
        prefix and suffix where the line differs in values only. A template that covers the
        line as it is answers first (the native index answers such lines whatever other
        spans share their first token; pass 12)."""
        covering = self._covering_span(toks)
        if covering is not None:
            return covering, ()
        n = len(toks)
        json_line = is_json_tokens(toks)
        for c in self._span_candidates(toks):
            if self._other_position(c) or self._other_syntax(c, json_line):
                continue
            p = c.span
            assert p is not None
            ct = c.tokens
            ns = len(ct) - p - 1
            if n < p + ns + 1 or self._record_against_span(c, toks):
                continue
            delimiter = self._leading_delimiters.get(c.seq)
            if delimiter is not None and delimiter in toks[p : n - ns]:
                continue
            values = self._pair_is_values if self.config.value_shapes else _never
            merged = _span_side(ct[:p], toks[:p], values)
            if merged is None and self._is_record_span(c):
                merged = _span_side_record(ct[:p], toks[:p], values, self.config.record_syntax_kept)
            if merged is None or (
                self.config.field_keys and any(ct[i] != toks[i] and _event_after_header(ct, toks, i) for i in range(p))
            ):
                continue
            tail = _span_side(ct[p + 1 :], toks[n - ns :], values) if ns else ()
            if tail is None and c.delimiter is not None and self.config.widen_spans:
                tail, ct = self._record_tail(c, toks, values)
            if tail is None and self.config.widen_spans and not json_line:
                tail, ct = self._later_tail(c, toks, values)
            if tail is None or not self._span_shares_words(ct, p, toks):
                continue
            new = (*merged, VAR, *tail)
            if self._loses_last_word(c.tokens, new) or (new != c.tokens and self._span_loses_statement(c.tokens, new)):
                continue
            old: list[str] = []
            if new != c.tokens:
                old.append(c.template_id)
                c._set_tokens(new)
                self._register_span(c)
                # the more general template may now cover templates it did not before
                old += self._absorb_into_span(c)
            return c, _retired(old, c.template_id)
        return None

    @staticmethod
    def _record_tail(
        c: _Cluster, toks: tuple[str, ...], values: Callable[[str, str], bool],
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        """For a span over a delimited record's fields: the longest end of its suffix the
        line shares, when the line's run holds the record's delimiter (its value runs on over
        more of the record's fields: "{TCP}" in the lines that made it, "{UDP}" in this one);
        the suffix and the template it leaves, or (None, template)."""
        p = c.span
        assert p is not None and c.delimiter is not None
        ct, n = c.tokens, len(toks)
        for k in range(len(ct) - p - 2, -1, -1):
            tail = _span_side(ct[len(ct) - k :], toks[n - k :], values) if k else ()
            if tail is not None and c.delimiter in toks[p : n - k]:
                return tail, (*ct[:p], VAR, *(ct[len(ct) - k :] if k else ()))
        return None, ct

    def _later_tail(
        self, c: _Cluster, toks: tuple[str, ...], values: Callable[[str, str], bool],
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        """_widen_span for a line that arrives after the span was made: the span rules cut it
        against the fixed template the span was made from at the span's start, with a shorter
        suffix (the two lines that made the span shared "member)", this one ends "rejoining)"):
        the span's value runs on to that suffix, as it would had the line come first. The
        suffix and the template it leaves, or (None, template)."""
        origin = self._span_origins.get(c.seq)
        p = c.span
        if origin is None or p is None:
            return None, c.tokens
        ct, n = c.tokens, len(toks)
        ns = len(ct) - p - 1
        cut = self._configured_span_cut(origin, toks)
        if cut is None or cut[0] != p or cut[1] >= ns:
            return None, ct
        k = cut[1]
        tail = _span_side(ct[len(ct) - k :], toks[n - k :], values) if k else ()
        if tail is None:
            return None, ct
        return tail, (*ct[:p], VAR, *(ct[len(ct) - k :] if k else ()))

    def _span_shares_words(self, tpl: tuple[str, ...], p: int, toks: tuple[str, ...]) -> bool:
        """Whether a line meets a variable-length template as it would have to meet a fixed
        one (:meth:`_closest`): ``similarity`` of the template's tokens around the span that
        are not a bare variable, and one at least, cover the line's (a ``key=value`` pair:
        the same key). Without it a template whose prefix and suffix hold mostly values (a
        klog header, a record) covers lines of any other format wherever their words are
        values, and each such line turns more constants into variables until the template
        is all variables."""
        ns = len(tpl) - p - 1
        pairs = [*zip(tpl[:p], toks[:p], strict=True), *zip(tpl[p + 1 :], toks[len(toks) - ns :], strict=True)]
        held = [(a, t) for a, t in pairs if a != VAR]
        equal = sum(1 for a, t in held if _covered(a, t) or _same_key(a, t))
        return equal >= max(1, self.config.similarity * len(held))

    def _sentence_texts(self, tpl: tuple[str, ...], toks: tuple[str, ...], p: int) -> bool:
        """The text after the value label ``tpl[p - 1]`` is a statement, not that value's
        reason or error text: one of the two texts is a sentence of the program's own
        (_sentence_text), or a template printed with the same prefix up to the label has
        one there ("<*> bareos-dir JobId <*>: Created new Volume ... in catalog." beside
        "... JobId <*>: Start Backup JobId <*>, Job=<*>"): the label is then a context
        value printed before the statements, whatever text the two lines show."""
        if _sentence_text(tpl[p:]) or _sentence_text(toks[p:]):
            return True
        for c in self._by_first.get(tpl[0], ()):
            t = c.tokens
            if (
                c.merged_into is None and len(t) > p + 2 and _sentence_text(t[p:])
                and all(a == b or (VAR in a and VAR in b) for a, b in zip(tpl[:p], t[:p], strict=False))
            ):
                return True
        return False

    def _configured_span_cut(self, tpl: tuple[str, ...], toks: tuple[str, ...]) -> tuple[int, int] | None:
        """_span_cut with this engine's settings and the evidence it has gathered."""
        config = self.config
        sentences = self._sentence_texts if config.sentence_texts_kept else None
        cut = _span_cut(
            tpl, toks, self._tails_vary if config.tail_values else None, config.whole_message_runs,
            config.quoted_texts, config.severity_labels, self._field_texts_vary if config.tail_values else None,
            config.delimited_fields, config.constructor_values, config.named_texts, config.prose_tails,
            config.json_keys_in_objects, config.leading_fields, config.call_values, config.bracketed_headers,
            config.level_words, config.glued_records, config.comma_fields, config.one_bracket_runs,
            config.label_after_message_word, config.status_text_case, config.vouching_outside_run,
            config.enclosed_header_words, sentences, config.valued_texts_kept, config.header_tails_kept,
            config.duration_values, config.tag_host_header, config.distinguished_names,
            config.glued_header_words, config.enclosed_groups_named, config.spaced_paths, config.valued_tails_kept,
            config.quoted_paths,
        )
        if cut is None and config.value_label_texts and config.tail_values:
            cut = _value_label_text(
                tpl, toks, self._field_texts_vary, config.tag_texts_kept, sentences, config.tag_host_header
            )
        if cut is None and config.command_lines and config.tail_values:
            cut = _command_line(tpl, toks, self._field_texts_vary)
        if cut is None and config.code_texts and config.tail_values:
            cut = _code_text(tpl, toks, self._code_texts_vary, config.status_text_case, config.opening_codes_kept)
        if cut is None and config.sentence_error_texts:
            cut = _sentence_error_cut(tpl, toks)
        if cut is not None and config.word_fields_kept and _takes_word_field(tpl, toks, *cut):
            return None
        if cut is not None and config.inner_phrases_kept and _phrase_inside(tpl, toks, *cut):
            return None
        if cut is not None and config.words_between_groups_kept and _enclosed_sentences(tpl, toks, *cut):
            return None
        if cut is not None and config.logger_fields_kept and _takes_logger_field(tpl, toks, *cut):
            return None
        if cut is not None and config.messages_before_fields and _message_before_fields(tpl, toks, *cut):
            return None
        if cut is not None and config.records_kept and _run_over_record(tpl, toks, *cut):
            return None
        if cut is not None and config.bare_tags_kept and _bare_tag_header(tpl, toks, *cut):
            return None
        return cut

    def _learn_span(self, message: str, toks: tuple[str, ...]) -> tuple[_Cluster, bool, tuple[str, ...]] | None:
        """A line that differs from a known template only in one run of words between a
        shared prefix and suffix, where the run follows a label ending in ":" ("closing
        because:", "(reason:", '"error":') or is enclosed in brackets or quotes
        ("Resolved [...]"), is that message with a free-text value (an error text, a
        reason, an exception) of another length: one template with a variable standing
        for any number of tokens there. Keyword variants of one length ("Accepted" /
        "Failed") are not touched: they differ outside such a run."""
        if not self.config.span_values or len(toks) < 2:
            return None
        # a JSON record's values are one token each already, whatever their length: only a
        # quoted text inside its message ("stored artifact for commit 'fix: a b'") can be one
        record = is_json_tokens(toks)
        tails = self._tails_vary if self.config.tail_values else None
        delimited = self.config.delimited_fields
        if not any(
            _reason_label(t) or _JSON_KEY.match(t) or _opening(t)[-1:] in _CLOSERS or _reason_pair(t)
            or ("A" <= t[:1] <= "Z" and _FLAG.match(t)) or ("=" in t and _NUMBERED_KEY.match(t))
            or (tails is not None and (t.endswith(":") or _is_message_word(t)))
            or (delimited and any(d in t for d in _GLUED_DELIMITERS))
            for t in toks[1:]
        ):
            return None  # no place where such a value could start
        best: tuple[int, int, int, _Cluster] | None = None
        same_first = self._by_first.get(toks[0])
        if not same_first:
            return None
        if len(same_first) > 2 * _SPAN_CANDIDATES:
            same_first[:] = [c for c in same_first if c.merged_into is None and c.tokens[0] == toks[0]]
        # the most recent templates of that first word: a bounded search per new template,
        # so that many templates sharing a first word do not make learning quadratic
        opened: tuple[str, ...] | None = None
        for c in same_first[-_SPAN_CANDIDATES:]:
            if c.merged_into is not None or c.span is not None or c.gaps or c.tokens[0] != toks[0]:
                continue
            if self._other_position(c):
                continue
            if record:
                # field values are values whatever they hold: only the message can differ
                if opened is None:
                    opened = _json_fields_open(toks)
                cut = _optional_field(c.tokens, toks, self.config.record_texts_kept)
                if cut is not None and self.config.nested_optional_names and _nested_name_field(c.tokens, toks, cut):
                    cut = None
                if cut is None:
                    cut = self._configured_span_cut(_json_fields_open(c.tokens), opened)
                    if cut is not None and not _quoted_message_run(c.tokens, toks, *cut):
                        continue
            else:
                cut = self._configured_span_cut(c.tokens, toks)
                if cut is None and self.config.bracket_groups:
                    cut = _bracket_group_cut(c.tokens, toks)
            if cut is not None and self._cut_loses_a_word(c.tokens, toks, cut):
                continue
            if cut is not None and (best is None or cut[0] + cut[1] > best[0] + best[1]):
                best = (cut[0], cut[1], -c.seq, c)
        if best is None:
            return None
        p, s, _, c = best
        fixed_tokens = c.tokens
        field = _delimited_field(fixed_tokens, toks, p, s) if self.config.delimited_fields and not record else None
        old_ids = self._make_span(c, toks, p, s)
        if not record:
            self._span_origins[c.seq] = fixed_tokens
            if self.config.leading_fields and _leading_field(fixed_tokens, toks, p, s):
                self._leading_delimiters[c.seq] = fixed_tokens[len(fixed_tokens) - s]
        if field is not None and field in fixed_tokens[p : len(fixed_tokens) - s] and field in toks[p : len(toks) - s]:
            c.delimiter = field
        if self.config.widen_spans and not record:
            old_ids += self._widen_span(c, fixed_tokens)
        if not record:
            old_ids += self._span_printed_empty(c)
        c.count += 1
        self._remember(message, c)
        return c, False, _retired(old_ids, c.template_id)

    def _widen_span(self, c: _Cluster, fixed_tokens: tuple[str, ...]) -> list[str]:
        """A new span's suffix holds what the two lines that made it share; another fixed
        template of its first word that the span rules cut against the old fixed template at
        the same start, with a shorter suffix, is the same message whose value runs further
        (an alert's text and class, then "{TCP}" in both lines that made the span and "{UDP}"
        in an older one): the span's value runs on to that suffix, and the span takes that
        template's lines."""
        p = c.span
        assert p is not None
        ns = len(c.tokens) - p - 1
        shortest = ns
        for o in self._by_first.get(c.tokens[0], ())[-_SPAN_CANDIDATES:]:
            if o is c or o.merged_into is not None or o.span is not None or o.gaps or o.tokens[0] != c.tokens[0]:
                continue
            cut = self._configured_span_cut(fixed_tokens, o.tokens)
            if cut is not None and cut[0] == p and cut[1] < shortest:
                shortest = cut[1]
        if shortest == ns:
            return []
        widened = (*c.tokens[:p], VAR, *(c.tokens[len(c.tokens) - shortest :] if shortest else ()))
        if self._loses_last_word(c.tokens, widened):
            return []
        old = c.template_id
        c._set_tokens(widened)
        self._register_span(c)
        return [old, *self._absorb_into_span(c)]

    def _detach_fixed(self, c: _Cluster) -> None:
        """Take a fixed-length template out of its length bucket and sibling groups, before it
        becomes a variable-length or gapped one (it keeps its number)."""
        self._buckets[len(c.tokens)].remove(c)
        for g in c.sib.values():
            if c in g.members:
                g.members.remove(c)
        c.sib.clear()
        c.pending = False

    def _make_span(self, c: _Cluster, toks: tuple[str, ...], p: int, s: int) -> list[str]:
        """``c`` becomes the variable-length template of itself and ``toks`` (cut ``p``, ``s``
        by _span_cut); returns the ids it retired (its own old one first)."""
        tokens = _span_tokens(c.tokens, toks, p, s)
        if self.config.value_names and self.config.value_shapes:
            # the words of the prefix and suffix that became variables are values too
            tt = c.tokens
            self._learn_values(tt[:p], toks[:p], tokens[:p])
            if s:
                self._learn_values(tt[len(tt) - s :], toks[len(toks) - s :], tokens[len(tokens) - s :])
        # the template becomes the variable-length one (it keeps its cluster number, so
        # lines already answered with it follow the new template)
        old_ids = [c.template_id]
        origin = c.tokens
        self._detach_fixed(c)
        c.span = p
        c._set_tokens(tokens)
        self._spans.append(c)
        self._register_span(c)
        old_ids += self._absorb_into_span(c, origin)
        return old_ids

    def _span_after_change(self, c: _Cluster) -> list[str]:
        """After ``c`` (a template of fixed length) changed, a template of another length with
        its first word that _span_cut cuts against it is the same message with a value of
        another length: ``c`` becomes the span of both. When the two shapes first met, the
        cut may not have held yet (a value still a word, a prefix still differing), so the
        lines of both stayed apart; the change is new evidence (pass 12, span18)."""
        if not self.config.span_after_change or not self.config.span_values or c.span is not None or c.gaps or c.merged_into is not None or len(c.tokens) < 2:
            return []
        same_first = self._by_first.get(c.tokens[0])
        if not same_first:
            return []
        ct = c.tokens
        if is_json_tokens(ct):
            return []  # a JSON record's span needs both records' fields (_learn_span)
        best: tuple[int, int, _Cluster] | None = None
        for o in same_first[-_SPAN_CANDIDATES:]:
            ot = o.tokens
            if o is c or o.merged_into is not None or o.span is not None or o.gaps or len(ot) == len(ct) or ot[0] != ct[0]:
                continue
            cut = self._configured_span_cut(ct, ot)
            if cut is None and self.config.bracket_groups:
                cut = _bracket_group_cut(ct, ot)
            if cut is not None and self._cut_loses_a_word(ct, ot, cut):
                continue
            if cut is not None and (best is None or cut[0] + cut[1] > best[0] + best[1]):
                best = (cut[0], cut[1], o)
        if best is None:
            return self._spans_take_values(c, same_first)
        p, s, o = best
        # (the id ``c`` had after this line's change was never reported: left out)
        return self._make_span(c, o.tokens, p, s)[1:] + self._span_printed_empty(c)

    def _spans_take_values(self, c: _Cluster, same_first: list[_Cluster]) -> list[str]:
        """After the fixed template ``c`` changed: the variable-length templates with its first
        token whose words around their value ``c`` has made variables (see _span_takes_values)."""
        if not self.config.span_takes_fixed_values:
            return []
        gone: list[str] = []
        for o in same_first[-_SPAN_CANDIDATES:]:
            if c.merged_into is not None:
                break
            if o.span is not None and o.merged_into is None and not o.gaps:
                gone += self._span_takes_values(o, c)
        return gone

    def _span_takes_values(self, o: _Cluster, c: _Cluster) -> list[str]:
        """The variable-length template ``o`` takes the variables of the fixed template ``c``
        where ``c``, aligned with it by its prefix and suffix, covers every token of ``o``
        around its value and holds a variable at a word of ``o``: the same statement, whose
        words there are values by the evidence that made ``c``. ``o`` then folds the fixed
        templates it covers, ``c`` among them; returns the ids retired (``o``'s old one first)."""
        p = o.span
        assert p is not None
        ot, ct = o.tokens, c.tokens
        ns, n = len(ot) - p - 1, len(ct)
        if n < p + ns + 1 or c.gaps or c.span is not None:
            return []
        around = (*ct[:p], *ct[n - ns :])
        mine = (*ot[:p], *ot[p + 1 :])
        if around == mine or not all(_covered(a, t) for a, t in zip(around, mine, strict=True)):
            return []
        if not self._span_shares_words(ot, p, ct) or not any(a == t and _is_message_word(a) for a, t in zip(around, mine, strict=True)):
            return []  # (the two share a word of the statement, not a header's values alone)
        places = (*range(p), *range(p + 1, len(ot)))
        if not all(i > 0 and _field_label(ot[i - 1]) for a, t, i in zip(around, mine, places, strict=True) if a != t):
            # only a label's values ("QTYPE: TXT;" / "QTYPE: <*>;"): a template that made the
            # statement's own words variables ("[Job <*>] <*> <*>") is no evidence for them
            return []
        tokens = (*ct[:p], ot[p], *ct[n - ns :])
        if self._loses_last_word(ot, tokens):
            return []
        old = [o.template_id]
        o._set_tokens(tokens)
        self._register_span(o)
        return old + self._absorb_into_span(o)

    def _span_printed_empty(self, c: _Cluster) -> list[str]:
        """After ``c`` became a span, a fixed template that is ``c`` without its variable (every
        other token covering the fixed one's in place) is the same statement with the text
        printed empty (slapd's "fd=<n> closed" / "fd=<n> closed (idletimeout)"): the place has
        shown texts of several lengths, so none at all is one more. ``c`` becomes a gapped template (its variable a gap, which
        may hold no token) and folds the fixed one in. A span that a record's delimiter closes
        stays a span (its run must not take the delimiter, _leading_field). Pass 22b."""
        if (
            not (self.config.empty_spans and self.config.gapped_values) or c.span is None or c.merged_into is not None
            or c.delimiter is not None or c.seq in self._leading_delimiters or len(c.tokens) > _ALIGN_TOKENS
        ):
            return []
        ct, k = c.tokens, c.span
        if ct[k] != VAR or is_json_tokens(ct):
            return []
        b = self._buckets.get(len(ct) - 1)
        if b is None:
            return []
        for o in (self._by_first.get(ct[0]) or ()) if k else ():
            if o.merged_into is not None or o.span is not None or o.gaps or len(o.tokens) != len(ct) - 1:
                continue
            if self._other_position(o) or not _gap_covers(ct, (k,), o.tokens):
                continue
            return self._make_gapped(c, ct, (k,))[1:]
        return []

    def _gapped_after_change(self, c: _Cluster) -> list[str]:
        """After ``c`` (a template of fixed length) changed, a fixed template of another length
        with its first token that aligns with it as a line aligns in _learn_gapped is the same
        message with a part printed only sometimes: ``c`` becomes the gapped template of both.
        When the two shapes first met, a word of ``c`` may still have differed (the long form's
        method or user before it was a variable), so they stayed apart; _learn_gapped looks
        only when a line of another length arrives, and the short form's lines then answer in
        their own length bucket, so the change is the only later evidence (as in
        _span_after_change)."""
        if not self.config.gapped_values or c.span is not None or c.gaps or c.merged_into is not None:
            return []
        ct = c.tokens
        if len(ct) < 3 or len(ct) > _ALIGN_TOKENS or is_json_tokens(ct):
            return []
        consts = {t for t in ct if t != VAR}
        best: tuple[int, tuple[str, ...], tuple[int, ...]] | None = None
        for o in (self._by_first.get(ct[0]) or ())[-_SPAN_CANDIDATES:]:
            ot = o.tokens
            if (
                o is c or o.merged_into is not None or o.span is not None or o.gaps or len(ot) == len(ct)
                or ot[0] != ct[0] or len(ot) > _ALIGN_TOKENS or self._other_position(o)
            ):
                continue
            shared = len(consts.intersection(ot))
            if shared < 2 or shared < _ALIGNED_SHARE * len(consts):
                continue
            merged = self._merge_gapped(ct, (), ot)
            if merged is not None and (best is None or merged[0] > best[0]):
                best = merged
        if best is None:
            return []
        _, tokens, gaps = best
        # (the id ``c`` had after this line's change was never reported: left out)
        return self._make_gapped(c, tokens, gaps)[1:]

    # ----------------------------------------------------------- gapped templates
    def _merge_gapped(
        self, tpl: tuple[str, ...], gaps: tuple[int, ...], toks: tuple[str, ...]
    ) -> tuple[int, tuple[str, ...], tuple[int, ...]] | None:
        """_gapped_merge with the gapped-merge rules this engine's configuration switches on;
        none that would print nothing but values after the header's severity where a word
        was printed (_values_after_severity, pass 37a)."""
        config = self.config
        merged = _gapped_merge(
            tpl, gaps, toks, config.optional_groups, config.trailing_clauses, config.gapped_digit_names,
            self._gapped_value_pair(), config.gapped_enclosed_values, config.gapped_value_units,
            config.gapped_name_words, config.gapped_name_particles, config.gapped_enclosing_values,
            config.gapped_header_groups, config.gapped_titled_texts, config.gapped_byte_runs,
            config.gapped_name_words and config.sentence_capital_names,
            config.gapped_enclosed_values and config.gapped_nested_groups,
        )
        if merged is not None and config.values_after_severity and _values_after_severity(merged[1], tpl, toks):
            return None  # nothing but values after the severity: every statement of the logger
        return merged

    def _gapped_value_pair(self) -> Callable[[tuple[str, ...], int, str, str], bool] | None:
        return self._gapped_values_at if self.config.gapped_value_words and self.config.value_shapes else None

    def _gapped_values_at(self, tpl: tuple[str, ...], pos: int, a: str, t: str) -> bool:
        """Whether ``a`` (the template's word at ``pos``) and ``t`` are values of one field by
        the evidence the one-word rules use when a line differs from a template in one word."""
        if self._keyword_pair(tpl, pos, a, t):
            return False
        if self._pair_is_values(a, t):
            return True
        if not self.config.gapped_value_evidence:
            return False
        group = _Siblings(pos)
        group.values.add(a)
        group.members.append(_TemplateTokens(tpl))  # type: ignore[arg-type]
        return self._value_evidence(group, t)

    def _covering_gapped(self, toks: tuple[str, ...]) -> _Cluster | None:
        """The first gapped template (by number) that covers the line as it is."""
        if not toks:
            return None
        found: _Cluster | None = None
        for key in (toks[0], ""):
            for c in self._gapped_by_first.get(key, ()):
                if (found is None or c.seq < found.seq) and c.merged_into is None and _gap_covers(c.tokens, c.gaps, toks):
                    found = c
        return found

    def _learn_gapped(self, message: str, toks: tuple[str, ...]) -> tuple[_Cluster, bool, tuple[str, ...]] | None:
        """A line of another length than a template with its first token, whose tokens align
        with the template's in order (see _gapped_merge) where the rest of the two are values
        printed only sometimes (an optional bracketed host name) or values of varying count (a
        list): the template becomes a gapped one, each unaligned place a variable for any
        number of tokens, none included. One mechanism for every such shape, instead of one
        rule per shape of optional part (pass 12)."""
        if len(toks) < 3 or len(toks) > _ALIGN_TOKENS or is_json_tokens(toks):
            return None
        first = toks[0]
        line_consts = {t for t in toks if t != VAR}
        # the words of a quoted value of several tokens are the value's (pass 24c)
        counted = line_consts - _enclosed_words(toks) if self.config.gapped_enclosed_values else line_consts
        need = _ALIGNED_SHARE * len(counted)
        candidates = [
            c for c in (self._by_first.get(first) or ())[-_SPAN_CANDIDATES:]
            if c.merged_into is None and c.span is None and not c.gaps and c.tokens[0] == first
            and len(c.tokens) != len(toks) and len(c.tokens) <= _ALIGN_TOKENS
        ]
        for key in (first, ""):
            candidates += [c for c in self._gapped_by_first.get(key, ()) if c.merged_into is None and len(c.tokens) <= _ALIGN_TOKENS]
            candidates += [
                c for c in self._spans_by_first.get(key, ())
                if c.merged_into is None and c.span is not None and self._first_key(c) == key and len(c.tokens) <= _ALIGN_TOKENS
            ]
        # most constants shared first; the alignment runs on a few only
        scored = []
        candidates = [c for c in candidates if not self._other_position(c)]
        for c in candidates:
            shared = len(line_consts.intersection(c.tokens))
            if shared >= need and shared >= 2:
                scored.append((-shared, c.seq, c))
        scored.sort(key=lambda x: (x[0], x[1]))
        best: tuple[int, tuple[str, ...], tuple[int, ...], _Cluster] | None = None
        for _, _, c in scored[:_GAPPED_CANDIDATES]:
            merged = self._merge_gapped(c.tokens, _gaps_of(c), toks)
            if merged is not None and (best is None or merged[0] > best[0]):
                best = (merged[0], merged[1], merged[2], c)
        if best is None:
            return None
        _, tokens, gaps, c = best
        old_ids = self._make_gapped(c, tokens, gaps)
        c.count += 1
        self._remember(message, c)
        return c, False, _retired(old_ids, c.template_id)

    def _learn_label_printed_empty(self, message: str, toks: tuple[str, ...]) -> tuple[_Cluster, bool, tuple[str, ...]] | None:
        """A line and a fixed template of its first token, one of them ending in a label the
        other goes on after ("received on stdout:" / "received on stdout: Redirecting to
        <*> restart dhcpd.service"), all tokens up to the label covering each other: the
        program printed the label's text empty in the shorter one. The template becomes a
        gapped one with the gap after the label, which holds any number of tokens, none
        included (_span_printed_empty's case when the place has shown one text only)."""
        if (
            not (self.config.labels_printed_empty and self.config.gapped_values)
            or not 3 <= len(toks) <= _ALIGN_TOKENS or is_json_tokens(toks)
        ):
            return None
        for c in reversed((self._by_first.get(toks[0]) or ())[-_SPAN_CANDIDATES:]):
            ct = c.tokens
            if c.merged_into is not None or c.span is not None or c.gaps or ct[0] != toks[0] or len(ct) > _ALIGN_TOKENS:
                continue
            short, other = (ct, toks) if len(ct) < len(toks) else (toks, ct)
            if len(short) == len(other) or not _closing_label(short) or other[len(short) - 1] != short[-1]:
                continue
            pairs = list(zip(ct[: len(short)], toks[: len(short)], strict=True))
            if self._other_position(c) or not all(_covered(a, b) or _covered(b, a) for a, b in pairs):
                continue
            prefix = tuple(a if a == b else _merge_token(a, b) for a, b in pairs)
            old_ids = self._make_gapped(c, (*prefix, VAR), (len(prefix),))
            c.count += 1
            self._remember(message, c)
            return c, False, _retired(old_ids, c.template_id)
        return None

    def _make_gapped(self, c: _Cluster, tokens: tuple[str, ...], gaps: tuple[int, ...]) -> list[str]:
        """``c`` (of fixed length, a span or gapped) becomes the gapped template ``tokens``
        (it keeps its number); returns the ids retired (its own old one first)."""
        old_ids = [c.template_id]
        if c.span is not None:
            self._spans.remove(c)
            lst = self._spans_by_first.get(self._first_key(c))
            if lst is not None and c in lst:
                lst.remove(c)
            c.span = None
            self._gapped.append(c)
        elif not c.gaps:
            self._detach_fixed(c)
            self._gapped.append(c)
        c.gaps = gaps
        c._set_tokens(tokens)
        lst = self._gapped_by_first.setdefault(self._first_key(c), [])
        if c not in lst:
            lst.append(c)
        old_ids += self._absorb_into_gapped(c)
        return old_ids

    def _absorb_into_gapped(self, c: _Cluster) -> list[str]:
        """Merge into a gapped template every fixed template (with its first token) it covers."""
        key = self._first_key(c)
        others = self._by_first.get(key, ()) if key else [s for b in self._buckets.values() for s in b.clusters]
        gone = []
        for s in list(others):
            if s is c or s.merged_into is not None or s.span is not None or s.gaps:
                continue
            b = self._buckets.get(len(s.tokens))
            if b is not None and s in b.clusters and _gap_covers(c.tokens, c.gaps, s.tokens):
                gone.append(self._fold(b, s, c))
        return gone

    def _tails_vary(self, tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
        """Whether the texts that end lines after the label ``tpl[p - 1]`` of this message
        (its words before the label) have taken ``tail_values`` different forms."""
        label = tpl[p - 1]
        closer = _CLOSERS.get(label[:1], "")  # "(reason: Adding new member)": the label's bracket
        plain = s < 0  # no label: a run ending the line after plain words
        s = max(s, 0)
        runs = (tpl[p : len(tpl) - s], toks[p : len(toks) - s])
        free = self.config.free_text_tails and not plain and len(runs[0]) != len(runs[1]) and _closes_phrase(tpl, p)
        for run in runs:
            words = (*run[:-1], run[-1][: -len(closer)] if closer and run[-1].endswith(closer) else run[-1])
            if free and _free_text(words):
                continue
            if not all(x == VAR or _PLAIN_WORD.match(x) for x in words) or not any(x != VAR for x in words):
                # symbols, values or brackets in the text ("DNS* Proxy", "illegal
                # instruction......<*>", "RTC (Alarm)"): codes and fixed texts of separate messages
                return False
        seen = self._texts_seen((*(x for x in tpl[: p - 1] if _is_message_word(x)), label), runs)
        # after a reason label ("reason:", "error:") the second text is evidence enough
        if plain:
            return seen >= self.config.min_word_values
        return seen >= (2 if _reason_label(label) else self.config.tail_values)

    def _texts_seen(self, key: tuple[str, ...], runs: Iterable[tuple[str, ...]]) -> int:
        """Record the texts of ``runs`` at the place ``key`` (up to _TAILS_KEPT of them) and
        return how many different texts that place has shown."""
        seen = self._tails.get(key)
        if seen is None:
            seen = self._tails[key] = set()
        for text in map(" ".join, runs):
            if len(seen) < _TAILS_KEPT:
                seen.add(text)
        return len(seen)

    def _code_texts_vary(self, tpl: tuple[str, ...], toks: tuple[str, ...], p: int) -> bool:
        """Whether the texts ending lines after the code at ``p - 1`` have taken
        ``tail_values`` different forms, counted per the template's tokens before the code
        (the statement and its header, whatever their values)."""
        return self._texts_seen(("\x01", *tpl[:p]), (tpl[p:], toks[p:])) >= self.config.tail_values

    def _field_texts_vary(self, tpl: tuple[str, ...], toks: tuple[str, ...], p: int, s: int) -> bool:
        """Whether the place where the run at ``p`` starts (a record field, or the end of the
        line) has shown ``tail_values`` different texts, counted per message words before it
        and the field's delimiter."""
        d = _delimited_field(tpl, toks, p, s)
        key = ("\x00", d or "", *(x for x in tpl[:p] if _is_message_word(x)))
        return self._texts_seen(key, (tpl[p : len(tpl) - s], toks[p : len(toks) - s])) >= self.config.tail_values

    def _is_record_span(self, c: _Cluster) -> bool:
        """A template with a variable-length value that is a record of fields (the record
        rule of _is_record): a word differing in its prefix is one more field value."""
        share = self.config.record_share
        toks = c.tokens
        if not share or not self.config.value_shapes:
            return False
        empty = _EMPTY if len(toks) >= _RECORD_FIELDS else frozenset()
        return sum(1 for t in toks if VAR in t or t in empty) >= share * len(toks)

    def _absorb_into_span(self, c: _Cluster, origin: tuple[str, ...] | None = None) -> list[str]:
        """Merge into a new variable-length template every fixed template it covers
        (``origin``: the fixed template it was just made from, when not yet recorded)."""
        p = c.span
        assert p is not None
        ct = c.tokens
        ns = len(ct) - p - 1
        gone = []
        for n, b in list(self._buckets.items()):
            if n < p + ns + 1:
                continue
            for s in list(b.clusters):
                st = s.tokens
                if (
                    _covers(ct[:p], st[:p]) and (not ns or _covers(ct[p + 1 :], st[n - ns :]))
                    and not self._record_against_span(c, st, origin)
                ):
                    gone.append(self._fold(b, s, c))
        return gone

    def _record_against_span(self, c: _Cluster, toks: tuple[str, ...], origin: tuple[str, ...] | None = None) -> bool:
        """The line's value at a span's place and the value of the fixed template the span
        was made from (``origin``, else the one recorded) are a record of key=value fields and
        a text, or records of other keys (_run_over_record): a span made from texts does not
        take a record, nor one made from a record another record's lines."""
        if not self.config.records_kept:
            return False
        origin = origin or self._span_origins.get(c.seq)
        p = c.span
        if origin is None or p is None:
            return False
        ns = len(c.tokens) - p - 1
        return len(origin) >= p + ns and len(toks) >= p + ns and _run_over_record(origin, toks, p, ns)

    def _pair_is_values(self, a: str, t: str) -> bool:
        """Evidence from the two words alone that they are values of one field: both shaped
        like values, one is the empty-field marker, or both are known values."""
        if self.config.negated_variants and _negated_variant(a, t):
            return False
        if a in _EMPTY or t in _EMPTY:
            return True
        if _value_shaped(a) and _value_shaped(t):
            return True
        vocab = self._values
        if a in vocab and t in vocab:
            return True
        # the two words already alternated in two different messages (see
        # _pair_seen_elsewhere): proven values, wherever else they differ
        first = self._pairs.get((a, t) if a < t else (t, a))
        return first is not None and first.evident

    def _absorb(self, c: _Cluster) -> list[str]:
        """Merge into ``c`` (just generalised) every template of its length that it now
        covers: a more specific template would otherwise keep taking the lines it matches
        first, so one message would stay split over templates that no longer differ."""
        if not self.config.absorb_covered:
            return []
        wild = c.wild
        if not wild:
            return []
        b = self._buckets[len(c.tokens)]
        ct = c.tokens
        fixed = [i for i, t in enumerate(ct) if VAR not in t]
        # a token of two variables or more is in neither list (c.wild holds those of one): its
        # place was never compared, and 'msg="Web server starting (<*>:<*>)"' took
        # 'msg="Putting event on message queue"'; it covers what its text around the variables fits
        several = (
            [i for i, t in enumerate(ct) if t.count(VAR) > 1 and has_literal_word(t)]
            if self.config.absorb_several_values
            else []
        )
        shapes = (
            [i for i, t in enumerate(ct) if t.count(VAR) > 1 and not has_literal_word(t)]
            if self.config.absorb_value_shapes
            else []
        )
        gone = []
        for s in list(b.clusters):
            if s is c:
                continue
            st = s.tokens
            if any(st[i] != ct[i] for i in fixed):
                continue
            if several and any(st[i] != ct[i] and not _fits_several(ct[i], st[i]) for i in several):
                continue
            if shapes and any(_PLAIN_WORD.match(st[i]) for i in shapes):
                continue
            ok = True
            for i, pre, suf in wild:
                t = st[i]
                if (pre or suf) and t != ct[i] and not _wild_ok(ct[i], t):
                    ok = False
                    break
            if not ok:
                continue
            if self.config.absorb_keeps_words and _covers_by_values_alone(ct, st, self.config.similarity):
                continue
            gone.append(self._fold(b, s, c))
        return gone

    def _fold(self, b: _Bucket, s: _Cluster, into: _Cluster) -> str:
        """Retire ``s`` (a template ``into`` covers) into ``into``; returns the retired id."""
        b.remove(s)
        self._retire(s, into)
        into.count += s.count
        for g in s.sib.values():
            if s in g.members:
                g.members.remove(s)
        s.sib.clear()
        return s.template_id

    def _is_record(self, c: _Cluster, words: list[int], line: tuple[str, ...]) -> bool:
        """Whether the words that differ are fields of a record-like message: most of the
        template's tokens already hold values (access and proxy lines, DNS query logs),
        so a word that differs between two such lines is one more field value, not another
        message. The first word is excluded, as everywhere; at most two words at once."""
        share = self.config.record_share
        if not share or len(words) > 2 or words[0] == 0 or is_json_tokens(c.tokens):
            # (a JSON record's values never count as words: what differs is its message)
            return False
        toks = c.tokens
        if self.config.field_keys and any(_other_keys(toks[i], line[i]) for i in words):
            # a field of another key where the template has a field: another statement
            # ("conn=<*> fd=<*> closed" / "conn=<*> op=<*> UNBIND"), not another field value
            return False
        if self.config.field_keys and any(_event_after_header(toks, line, i) for i in words):
            return False
        if self.config.field_keys and any(_field_missing(toks[i], line[i]) for i in words):
            return False
        if self.config.participle_variants and any(_keyword_variant(toks[i], line[i], self.config.capital_participles) for i in words):
            return False
        if self.config.negated_variants and any(_negated_variant(toks[i], line[i]) for i in words):
            return False
        if any(self._keyword_pair(toks, i, toks[i], line[i]) for i in words):
            return False
        if self.config.setting_names and any(_setting_names(toks, line, i, self.config.setting_name_cases) for i in words):
            return False
        if toks[words[0]][-1:] == ":" and toks[words[0]][:-1].isalpha() and all(VAR in t for t in toks[: words[0]]):
            # a label opening the message after a header of values ("[<date> <time>][<pid>]
            # Processing: <job>" / "Processed:" / "Failed:") names what the message says, as a
            # first word does: it tells messages apart
            return False
        if self.config.header_verbs and _opening_word(toks, line, words[0]):
            # so does a plain word opening it (klog's 'csi_handler.go:<*>] Attaching "<*>"' /
            # 'Detached "<*>"'): the statement's verb, not a field of a record
            return False
        # in a line of many fields the empty-field marker "-" holds a (missing) value too;
        # in a short line it is as often a separator ("BIOS-e820: <*> - <*> (usable)")
        empty = _EMPTY if len(toks) >= _RECORD_FIELDS else frozenset()
        return sum(1 for t in toks if VAR in t or t in empty) >= share * len(toks)

    def _late_record(self, c: _Cluster) -> None:
        """A template that has just become record-like (most tokens hold values) takes its
        sibling templates back at its next line: they were split off by a word that differed
        while the template still looked like a sentence, and in a record that word is one
        more field value (CoreDNS's "udp" / "tcp" once the name and type are variables).
        The text of a message field (logfmt ``msg="..."``) is never such a field."""
        if not c.sib or not self.config.record_share:
            return
        for group in c.sib.values():
            if group.evident or group.pos == 0:
                continue
            live = [m.tokens for m in group.members if m.merged_into is None]
            if any(_MESSAGE_FIELD.match(w) for w in group.values) or any(
                _MESSAGE_FIELD.match(t[i]) and any(o[i] != t[i] for o in live) for t in live for i in range(len(t))
            ):
                continue
            if self.config.field_keys and any(_other_keys(v, w) for v in group.values for w in group.values):
                continue  # fields of different keys: different statements (see _is_record)
            if self.config.participle_variants and any(
                _keyword_variant(v, w, self.config.capital_participles) for v in group.values for w in group.values
            ):
                continue  # keyword variants of a statement (see _is_record)
            if self.config.negated_variants and any(_negated_variant(v, w) for v in group.values for w in group.values):
                continue
            if self.config.signs_apart and any(
                _sign_pair(c.tokens, group.pos, v, w) for v in group.values for w in group.values
            ):
                continue
            if any(
                self._keyword_pair(c.tokens, group.pos, v, w) for v in group.values for w in group.values
            ):
                continue
            if self._setting_group(group, next(iter(group.values), "")):
                continue
            if not self._is_record(c, [group.pos], c.tokens):
                return
            group.evident = True
            for m in group.members:
                if m.merged_into is None:
                    m.pending = True

    def _keyword_pair(self, tokens: tuple[str, ...], i: int, a: str, t: str) -> bool:
        """Whether ``a`` and ``t`` at ``i`` are keywords of a statement whatever other evidence
        says: an outcome and its opposite (_outcome_keywords, pass 25b) or two verb forms
        (_verb_keywords, pass 25f)."""
        letters = self.config.letter_severities
        if self.config.message_text_keywords and _MESSAGE_FIELD.match(a):
            # a message field's text: its words at which the two texts differ (_message_words)
            return any(
                (self.config.outcome_pairs and _outcome_keywords(words, j, x, y, letters))
                or (self.config.verb_forms and _verb_keywords(words, j, x, y, letters))
                for words, j, x, y in _message_words(a, t)
            )
        return (self.config.outcome_pairs and _outcome_keywords(tokens, i, a, t, letters)) or (
            self.config.verb_forms and _verb_keywords(tokens, i, a, t, letters)
        )

    def _negated_sibling(self, group: _Siblings, word: str) -> bool:
        """Whether ``word`` is the negation of one of the group's words (or they of it) while
        the position has not yet shown ``min_word_values`` words: a statement and its opposite
        stay two templates, whatever evidence other rules give (see _negated_variant)."""
        if word in group.values or len(group.values) + 1 >= self.config.min_word_values:
            return False
        tokens = group.members[0].tokens
        opposite = (self.config.negated_variants and any(_negated_variant(word, v) for v in group.values)) or (
            # so do an outcome and its opposite, two verb forms (see _keyword_pair)
            any(self._keyword_pair(tokens, group.pos, word, v) for v in group.values)
        ) or (self.config.signs_apart and any(_sign_pair(tokens, group.pos, word, v) for v in group.values))
        # a state printed after a state word ("is now Reachable" / "Unreachable") is
        # that word's value: the ground truth's argument, as any two states there
        return opposite and not self._enum_after_label(group, word)

    def _pair_seen_elsewhere(self, group: _Siblings, word: str) -> bool:
        """Whether ``word`` and one of the group's words already alternate at the same
        position of another template: words that vary together in two different
        messages are values (user names in "session opened for user X" and "session
        closed for user X"), not keywords of one message."""
        if not self.config.shared_word_pairs:
            return False
        seen = False
        pairs = self._pairs
        keywords = self.config.participle_pairs and not _after_label_word(
            group.members[0].tokens, group.pos, self.config.severity_not_label, self.config.letter_severities
        )
        for other in group.values:
            if keywords and _participle_pair(other, word, self.config.capital_participles):
                continue
            if self._keyword_pair(group.members[0].tokens, group.pos, other, word):
                continue  # keywords printed by several statements (see _keyword_pair)
            if self.config.components_after_level and _component_after_level(
                group.members[0].tokens, group.pos, (other, word)
            ):
                continue  # each part of a program logs its own statements ("opened" and "closed")
            if self.config.heads_after_level and _head_after_level(group.members[0].tokens, group.pos, (other, word)):
                continue  # so does each part, and each verb opening a message
            key = (other, word) if other < word else (word, other)
            first = pairs.setdefault(key, group)
            if first is group:
                continue
            if self.config.pairs_after_other_openings and _same_opening(first, group):
                continue  # both statements open with the same words (see _same_opening)
            if (
                self.config.pairs_at_one_place
                and _capitalised_pair(group.members[0].tokens, group.pos, (other, word))
                and not _pair_at_one_place(first, group)
            ):
                continue  # a title's words printed in another frame (see _pair_at_one_place)
            seen = True
            if not first.evident:
                first.evident = True
                for m in first.members:
                    m.pending = True
        return seen

    def _learn_values(self, old: tuple[str, ...], line: tuple[str, ...], merged: tuple[str, ...]) -> None:
        """Remember the words that a new variable covers ("user=root" and "user=guest"
        made "user=<*>": root and guest are values wherever they occur)."""
        for a, t, m in zip(old, line, merged, strict=True):
            if a == t or VAR not in m or VAR in a:
                continue
            k = m.index(VAR)
            pre, suf = m[:k], m[k + 3 :]
            for tok in (a, t):
                word = tok[len(pre) : len(tok) - len(suf)].strip(_QUOTES)
                if self.config.value_names:
                    self._learn_value_name(word)
                elif word.isalpha():
                    self._values.add(word)

    def _known_value(self, word: str) -> bool:
        name = _value_name(word)
        return name is not None and name in self._values

    def _learn_value_name(self, word: str) -> None:
        """Add a value's name to the vocabulary; sibling groups whose words are now all
        known values merge at their next line (their words were told apart before any
        template had shown them as values)."""
        name = _value_name(word)
        if name is None or name in self._values:
            return
        self._values.add(name)
        for group in self._groups_by_name.get(name, ()):
            if group.evident or group.pos == 0:
                continue
            live = [m for m in group.members if m.merged_into is None and m.sib.get(group.pos) is group]
            if len(live) > 1 and all(self._known_value(v) for v in group.values):
                group.evident = True
                for m in live:
                    m.pending = True

    def _note_sibling_word(self, group: _Siblings, word: str) -> None:
        name = _value_name(word) if self.config.value_names else None
        if name is not None:
            self._groups_by_name.setdefault(name, []).append(group)

    def _sibling_group(self, c: _Cluster, i: int) -> _Siblings:
        """``c``'s sibling group at word ``i``; a new one holding ``c`` alone if it has none."""
        group = c.sib.get(i)
        if group is None:
            group = c.sib[i] = _Siblings(i)
            group.members.append(c)
            group.values.add(c.tokens[i])
            self._note_sibling_word(group, c.tokens[i])
        return group

    def _join_siblings(self, group: _Siblings, member: _Cluster, word: str) -> None:
        """``member``, a template holding ``word`` at the group's position, joins the group."""
        group.values.add(word)
        self._note_sibling_word(group, word)
        member.sib[group.pos] = group
        group.members.append(member)

    def _value_evidence(self, group: _Siblings, word: str) -> bool:
        """Whether the words of a sibling position are values by their shape, or because
        another template already made them variables."""
        if not self.config.value_shapes:
            return False
        if word in _EMPTY or not _EMPTY.isdisjoint(group.values):
            # a word that alternates with the empty-field marker is a field's value
            return True
        words = (word, *group.values)
        if self.config.components_after_level and _component_after_level(group.members[0].tokens, group.pos, words):
            return False
        vocab = self._values
        if word in vocab and all(v in vocab for v in group.values):
            return True
        if self.config.value_names and all(self._known_value(v) for v in words):
            return True
        if self._enum_after_label(group, word):
            return True
        if self._name_after_kind(group) or self._unit_after_number(group, word):
            return True
        if group.pos > 0 and all(_CAPS_LABEL.match(w) for w in words):
            # short upper-case words used as a label ("ads CDS: PUSH", "example.org. AAAA:
            # read udp"): a type code printed as the label of what follows
            return True
        keywords = self.config.enclosed_participles and all(_participle(w, self.config.capital_participles) for w in words)
        if all(_bracketed_name(w) for w in words) and not keywords:
            return True
        if self.config.numbered_heads and group.pos == 0 and _numbered_names(words):
            return True
        if (
            self.config.enclosed_values
            and all(_enclosed_value(w) for w in words)
            # two participles in brackets are the statement's status ("[started]" /
            # "[finished]", "[Added]" / "[Removed]"), as anywhere (pass 24a)
            and not keywords
        ):
            return True
        if self.config.codes_after_keywords and _code_after_keyword(group.members[0].tokens, group.pos, words):
            return True
        if self.config.aside_last_words and not keywords and _aside_last_word(group.members[0].tokens, group.pos, words):
            return True
        if self.config.listed_field_values and _listed_field_value(
            group.members[0].tokens, group.pos, words, self.config.capital_participles
        ):
            return True
        if self.config.names_of_one_kind and group.pos > 0 and _names_of_one_kind(words):
            return True
        if (
            self.config.names_of_one_tail and group.pos > 0 and _names_of_one_tail(words)
            and not _transition_state(group.members[0].tokens, group.pos)
        ):
            return True
        if (
            self.config.camel_names_after_words and _camel_name_after_word(group.members[0].tokens, group.pos, words)
            and not _transition_state(group.members[0].tokens, group.pos)
        ):
            return True
        if self.config.valued_separators and _valued_separator(
            group.members[0].tokens, group.pos, words, self.config.bracketed_key_fields
        ):
            return True
        if self.config.date_names and _date_names(words):
            return True
        if self.config.glued_fields and _glued_field(
            group.members[0].tokens, group.pos, words, self.config.capital_participles
        ):
            return True
        if self.config.quoted_words and group.pos > 0 and _quoted_words(
            group.members[0].tokens, group.pos, words, self.config.capital_participles,
            self.config.quoted_words_beside_values,
        ):
            return True
        if self.config.shared_qualifiers and group.pos > 0 and _names_in_one_namespace(words):
            return True
        if self.config.count_nouns and _count_nouns(group.members[0].tokens, group.pos, words):
            return True
        if self.config.valued_contexts and group.pos == 0 and _valued_context(group.members[0].tokens, words):
            return True
        if self.config.reporter_labels and group.pos == 0 and _reporter_labels(group.members[0].tokens, words):
            return True
        if self.config.given_names and group.pos > 0 and _given_names(words):
            return True
        if self.config.bracketed_transitions and _bracketed_transition(group.members[0].tokens, group.pos, words):
            return True
        if self.config.preposition_objects and _preposition_object(
            group.members[0].tokens, group.pos, words, self.config.plural_kinds
        ):
            return True
        if self.config.means_after_using and _means_after_using(group.members[0].tokens, group.pos, words):
            return True
        if self.config.dotted_qualifiers and _names_under_one_dotted_qualifier(group.members[0].tokens, group.pos, words):
            return True
        if self.config.forms_after_as and _forms_after_as(group.members[0].tokens, group.pos, words):
            return True
        if self._header_field(group, word) or _same_fields(words):
            return True
        if _bracket_argument(words, self.config.bare_argument_calls):
            return True
        # one identifier-shaped word among them says the position holds names
        # ("nginx", "api", "istio-proxy"): plain keywords seldom alternate with one
        return _value_shaped(word) or any(_value_shaped(v) for v in group.values)

    def _values_at_both(self, c: _Cluster, words: list[int], toks: tuple[str, ...]) -> bool:
        """Whether each of two words in which a line differs from template ``c`` is a value by
        the evidence one differing word would need (its shape, its place, the vocabulary):
        a statement with two few-valued arguments ("'%s': Sending state %f %s") otherwise
        splits into one template per pair of words. Not at the first word, not a keyword
        variant, not a word opening the message after its program's tag. Three or four words
        (several_word_values, pass 28c) only where two of them are one name printed twice."""
        if not self.config.two_word_values or not self.config.value_shapes or 0 in words:
            return False
        if len(words) > 2 and not self.config.several_word_values:
            return False
        ct = c.tokens
        forms = self.config.repeated_values and self.config.repeated_name_forms
        # (a qualified name holding a variable whose word the line prints again elsewhere is
        # one name printed twice: "flow.billing.<*>" ... "[flow: billing]", pass 28c)
        named = [i for i in words if forms and _name_forms(ct, toks, i)] if len(words) > 2 else []
        if any(VAR in ct[i] or VAR in toks[i] for i in words if i not in named):
            # a word holding a value is no sibling word (as in the one-word path): merged with
            # a plain one it loses its frame ('user <guest>:' / '<<*>:jvb>:' -> '<*>', coturn)
            return False
        if self.config.bracketed_transitions and all(_bracketed_transition(ct, i, (ct[i], toks[i])) for i in words):
            return True  # both states of one change, participles or not ("(connecting -> registered)")
        if self.config.quoted_word_runs and _one_quoted_text_at(ct, toks, words):
            return True  # one quoted argument of several words ('\"Notify Slack\"' / '\"Rebuild site\"')
        if self.config.participle_variants and any(_keyword_variant(ct[i], toks[i], self.config.capital_participles) for i in words):
            return False
        if self.config.listed_field_values and len(words) > 2 and all(
            _listed_field_value(ct, i, (ct[i], toks[i]), self.config.capital_participles) for i in words
        ):
            return True  # three or four fields of one "label value," list (see _listed_field_value)
        whole = self.config.repeated_whole_names
        repeated = [i for i in words if self.config.repeated_values and _repeated_value(
            ct, toks, i, whole, self.config.repeated_name_forms
        )]
        if len(repeated) == len(words):
            return True
        if len(words) > 2 and len(repeated) < 2:
            # three or four words: one name printed twice among them says the line is the
            # template's statement; each other word needs the one-word evidence (below)
            return False
        rest = [i for i in words if i not in repeated] if len(words) > 2 else words
        if self.config.field_keys and any(
            _other_keys(ct[i], toks[i]) or _event_after_header(ct, toks, i) for i in rest
        ):
            return False
        for i in rest:
            probe = _Siblings(i)
            probe.members.append(c)
            probe.values.add(ct[i])
            if self._tagged_head(probe, toks[i]) or not self._value_evidence(probe, toks[i]):
                return False
        return True

    def _learnt_values(self, group: _Siblings, word: str) -> bool:
        """Whether other templates already made all these words variables (the vocabulary
        part of _value_evidence, without the guesses from the words' shapes: two templates
        that met only by generalising have shown less than a line differing in one word)."""
        if not self.config.value_shapes:
            return False
        words = (word, *group.values)
        vocab = self._values
        if all(w in vocab for w in words):
            return True
        return self.config.value_names and all(self._known_value(w) for w in words)

    def _header_field(self, group: _Siblings, word: str) -> bool:
        """A word that closes a bracket opened by a token holding a masked value is a field
        of a line header ("[12:00:01 INF]" / "[12:00:01 ERR]": time then level), not a
        keyword of the message."""
        if not self.config.enum_after_label or group.pos == 0:
            return False
        prev = group.members[0].tokens[group.pos - 1]
        if prev[:1] not in "[(" or VAR not in prev or _OPEN[prev[0]] in prev or prev.endswith(","):
            return False  # after "(<*>," the word is an argument of a list (Mac's "(<*>, powerd)")
        close = _OPEN[prev[0]]
        return all(w.endswith(close) and w[:-1].isalpha() for w in (word, *group.values))

    def _setting_group(self, group: _Siblings, word: str) -> bool:
        """The group's words and ``word`` are names of settings (see _setting_name): a
        statement each, however many the program prints."""
        if not self.config.setting_names or not group.members:
            return False
        cases = self.config.setting_name_cases
        words = (word, *group.values)
        if not _setting_name(group.members[0].tokens, group.pos, cases):
            return False
        # a plain word among coded names is one more setting's name ("ftype" beside "n_audio_ctx")
        return all(_setting_word(w, cases) for w in words) and any(_coded_name(w, cases) for w in words)

    def _tagged_head(self, group: _Siblings, word: str) -> bool:
        """The differing words open the message right after a program's syslog tag
        ("dhcpd[<*>]: DHCPOFFER on ..." / "DHCPACK on ..."): plain words or codes there name
        the statement, whatever alternates elsewhere or however many there are (pass 18d)."""
        if not self.config.tag_heads or group.pos == 0:
            return False
        prev = group.members[0].tokens[group.pos - 1] if group.members else ""
        return _PROGRAM_TAG.match(prev) is not None and all(_HEAD_WORD.match(w) for w in (word, *group.values))

    def _enum_after_label(self, group: _Siblings, word: str) -> bool:
        """Enum constants printed after a label are values of that label
        ("Connectivity change to READY" / "... to IDLE", "is now in state SECONDARY",
        "API: PutObject(..."): both words must be ALL_CAPS or CamelCase (a capitalised
        plain word such as "Accepted" / "Failed" is not) and the token before them a label."""
        if not self.config.enum_after_label or group.pos == 0:
            return False
        prev = group.members[0].tokens[group.pos - 1]
        if not _is_label(prev) or (self.config.tag_heads and _PROGRAM_TAG.match(prev) is not None):
            return False
        # after a state word ("is now UP" / "DOWN", "state OK") two capitals are a state too;
        # after any "word:" they are as often a keyword or a unit ("ARPT:", "ms:")
        letters = 2 if prev.lower() in _LABELS else 3
        if any(w.endswith(":") and not w.isupper() for w in (word, *group.values)):
            # a CamelCase label after a label ("serf: EventMemberJoin:" / "EventMemberFailed:")
            # names the kind of message that follows: separate statements
            return False
        if _enum_shaped(word, letters) and all(_enum_shaped(v, letters) for v in group.values):
            return True
        # capitalised states right after a state label ("status: Healthy", "-> Degraded",
        # "state Active"); not after any word ending in ":", where capitalised words are
        # as often keyword variants ("en0: Evaluating", ": Started generating hashes")
        return prev.rstrip(":").lower() in _LABELS and all(
            _TITLE.match(w.rstrip(_TRAIL)) is not None for w in (word, *group.values)
        )

    def _state_pair(self, tokens: tuple[str, ...], i: int, word: str) -> bool:
        """Two state words right after a state label ("status: Healthy -> Degraded"):
        values of that label wherever else the line differs."""
        if not self.config.enum_after_label or i == 0:
            return False
        label = tokens[i - 1]
        if not ((label.endswith(":") and label.rstrip(":").lower() in _LABELS) or label in ("->", "=>")):
            return False  # "from NEW to SCHEDULED": transitions stay apart (Hadoop's GT)
        pair = (tokens[i].rstrip(_TRAIL), word.rstrip(_TRAIL))
        return all(_TITLE.match(w) is not None or _enum_shaped(w) for w in pair)

    def _unit_after_number(self, group: _Siblings, word: str) -> bool:
        """Units right after a number ("384.0 B," / "20.4 KB,") belong to the size or
        duration value, not to the message."""
        if not self.config.enum_after_label or group.pos == 0:
            return False
        if group.members[0].tokens[group.pos - 1] != VAR:
            return False
        measures = self.config.measure_units
        return all(
            _unit(u) or (measures and _measure_unit(u)) for u in (w.rstrip(_TRAIL + ")]}") for w in (word, *group.values))
        )

    def _name_after_kind(self, group: _Siblings) -> bool:
        """A word right after the name of a kind of thing ("in queue emails", "principal
        root", "container api", "topic orders") is the name of one such thing: a value."""
        if not self.config.enum_after_label or group.pos == 0:
            return False
        prev = group.members[0].tokens[group.pos - 1]
        return prev.lower() in _KINDS

    def _diverse(self, group: _Siblings) -> bool:
        r = self.config.diversity
        if not r:
            return False
        seen = sum(m.count for m in group.members if m.merged_into is None) + 1
        return (len(group.values) + 1) / seen >= r

    def _siblings_after_change(self, c: _Cluster) -> None:
        """Templates that ``c`` (just generalised) now differs from in one plain word only
        become its siblings at that word, as if their lines had arrived after this change:
        two templates created apart (their first lines differed in several words) that each
        generalised the other words would otherwise never meet, since every later line
        matches one of them as it is, and the split would depend on which lines came first."""
        if not self.config.sibling_after_change or c.merged_into is not None or c.span is not None or c.gaps:
            return
        ct = c.tokens
        for s in list(self._buckets[len(ct)].clusters):
            if s is c or s.merged_into is not None:
                continue
            diff = [i for i, (a, t) in enumerate(zip(ct, s.tokens, strict=True)) if a != t]
            if len(diff) != 1:
                continue
            i = diff[0]
            a, word = ct[i], s.tokens[i]
            if VAR in a or VAR in word or not _is_word_edit(a, word):
                continue
            if i == 0 and not self.config.merge_first_word:
                continue
            group = c.sib.get(i)
            if s.sib.get(i) is not None or (group is not None and group.evident):
                continue
            group = self._sibling_group(c, i)
            # (a word the group holds already is no evidence here: its template may differ
            # from this one in more than that word)
            evident = (
                len(group.values) + 1 >= self.config.min_word_values
                or self._pair_seen_elsewhere(group, word)
                or self._learnt_values(group, word)
            ) and not self._negated_sibling(group, word) and not self._setting_group(group, word)
            self._join_siblings(group, s, word)
            if evident:
                group.evident = True
                for m in group.members:
                    if m.merged_into is None:
                        m.pending = True

    def _create(self, message: str, toks: tuple[str, ...]) -> _Cluster:
        c = self._new_cluster(toks)
        c.count = 1
        self._remember(message, c)
        return c

    def _merge_siblings(self, group: _Siblings, pos: int, toks: tuple[str, ...]) -> _Cluster:
        """The word at ``pos`` varies enough: one template with a variable there."""
        members = [m for m in group.members if m.merged_into is None]
        words = [toks[pos], *(m.tokens[pos] for m in members)]
        texts = self.config.message_text_words and all(_text_word_edit(words[0], w) for w in words[1:])
        if texts:
            pass  # a message field's texts (see _text_word_edit): no value names among them
        elif self.config.value_names:
            for w in (*group.values, toks[pos]):
                self._learn_value_name(w)
        else:
            self._values.update(w for w in group.values if w.isalpha())
            self._values.add(toks[pos]) if toks[pos].isalpha() else None
        merged = list(toks)
        if texts:
            # the texts' words that vary become one variable inside the text, its other words
            # stay ('msg="sync <*> done"'), as _merge_token keeps them for values of one field
            merged[pos] = reduce(_merge_token, words)
        else:
            merged[pos] = _enclosed_var(words)
        for m in members:
            merged = [a if a == t else _merge_token(a, t) for a, t in zip(merged, m.tokens, strict=True)]
        survivor = min(members, key=lambda m: m.seq)
        for m in members:
            m.sib.pop(pos, None)
            m.pending = any(g.evident for g in m.sib.values())
        b = self._buckets[len(toks)]
        for m in members:
            if m is not survivor:
                b.remove(m)
                self._retire(m, survivor)
                survivor.count += m.count
        return self._retokenise(survivor, tuple(merged))

    def match(self, message: str) -> Match | None:
        """Template of ``message`` if a known template covers it; never learns."""
        c = self._cached(message)
        if c is not None:
            return Match(c.template_id, c.template, False, None, c.seq)
        toks = self._mask(message)
        b = self._buckets.get(len(toks))
        c = b.lookup(toks) if b is not None else None
        if c is None and self._gapped:
            c = self._covering_gapped(toks)
        if c is None:
            c = self._covering_span(toks)
        if c is None:
            return None
        return Match(c.template_id, c.template, False, None, c.seq)

    def _covering_span(self, toks: tuple[str, ...]) -> _Cluster | None:
        """The variable-length template that covers the line as it is (never learns)."""
        n = len(toks)
        for c in self._span_candidates(toks):
            p = c.span
            assert p is not None
            ns = len(c.tokens) - p - 1
            if n >= p + ns + 1 and _covers(c.tokens[:p], toks[:p]) and (not ns or _covers(c.tokens[p + 1 :], toks[n - ns :])):
                return c
        return None

    def load(self, templates: Iterable[str]) -> None:
        """Add known templates (text with ``<*>``, e.g. from the registry)."""
        for text in templates:
            toks = tuple(_raw_tokens(text))
            b = self._bucket(len(toks))
            if toks in b.index:
                continue
            self._new_cluster(toks)
        self._native.clear_cache()

    def current(self, cluster: int) -> tuple[int, str, str]:
        """(cluster, template_id, template) that the cluster number returned in an
        earlier Match belongs to now (templates generalise and merge over time)."""
        c = self._clusters[cluster].resolve()
        return c.seq, c.template_id, c.template

    def templates(self) -> list[tuple[str, str, int]]:
        """(template_id, template, count) of every live template, oldest first."""
        out = [c for b in self._buckets.values() for c in b.clusters]
        out += [c for c in self._spans if c.merged_into is None]
        out += [c for c in self._gapped if c.merged_into is None]
        out.sort(key=lambda c: c.seq)
        return [(c.template_id, c.template, c.count) for c in out]
