/** Verbatim from /work/shared/reference/stix-taxii-tlp.md §4.4 (cti-pattern-validator test vectors). */

export const PASS_CASES: readonly string[] = [
  '[file:size = 1280]',
  '[file:size != 1280]',
  '[file:size < 1024]',
  '[file:size <= 1024]',
  '[file:size > 1024]',
  '[file:size >= 1024]',
  "[file:file_name = 'my_file_name']",
  "[file:extended_properties.'ntfs-ext'.sid = '234']",
  "[emailaddr:value MATCHES '.+\\\\@ibm\\\\.com$' OR file:name MATCHES '^Final Report.+\\\\.exe$']",
  "[ipv4addr:value ISSUBSET '192.168.0.1/24']",
  "[ipv4addr:value NOT ISSUBSET '192.168.0.1/24']",
  "[user-account:value = 'Peter'] AND [user-account:value != 'Paul'] AND [user-account:value = 'Mary'] WITHIN 5 SECONDS",
  "[file:file_system_properties.file_name LIKE 'name%']",
  "[file:file_name IN ('test.txt', 'test2.exe', 'README')]",
  '[file:size IN (1024, 2048, 4096)]',
  "[network-connection:extended_properties[0].source_payload MATCHES 'dGVzdHRlc3R0ZXN0']",
  "[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN 5 SECONDS",
  "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']",
  "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
  '[foo:bar=1] REPEATS 9 TIMES',
  "[network-traffic:start = '2018-04-20T12:36:24.558Z']",
  '( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])',
  "([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS",
  "([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] REPEATS 2 TIMES) REPEATS 2 TIMES",
  "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'",
  "[file:hashes[*] = '8665c8d477534008b3058b72e2dae8ae']",
];

export const TIMESTAMP_PASS_CASES: readonly string[] = [
  "[x:created = t'2024-01-15T12:30:45Z']",
  "[x:created = t'2024-12-31T23:59:59Z']",
  "[x:created = t'2024-01-01T00:00:00Z']",
  "[x:created = t'2024-01-15T12:30:45.123Z']",
  "[x:created = t'2024-01-15T12:30:45.123456Z']",
  "[x:created = t'2024-02-29T12:00:00Z']",
  "[x:created = t'2000-02-29T12:00:00Z']",
  "[file:name = 'test'] START t'2024-01-01T00:00:00Z' STOP t'2024-12-31T23:59:59Z'",
  "[x:created = t'2024-02-30T12:00:00Z']",
  "[x:created = t'2024-04-31T12:00:00Z']",
  "[x:created = t'2023-02-29T12:00:00Z']",
];

export const SPEC_EXAMPLES: readonly string[] = [
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
  "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
  "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
  "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
  "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
  "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
  "[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
  "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
  "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
];

export const FAIL_CASES: readonly (readonly [string, string])[] = [
  ['file:size = 1280', 'FAIL: Error found at line 1:0. input is missing square brackets'],
  ['[file:size = ]', "FAIL: Error found at line 1:13. mismatched input ']'"],
  [
    '[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]',
    "FAIL: Error found at line 1:19. mismatched input 'cead3f77f6cda6ec00f57d76c9a6879f'",
  ],
  ['[file.size = 1280]', "FAIL: Error found at line 1:5. no viable alternative at input 'file.'"],
  [
    '[file:name MATCHES /.*\\.dll/]',
    "FAIL: Error found at line 1:19. mismatched input '/' expecting StringLiteral",
  ],
  [
    "[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN ]",
    "FAIL: Error found at line 1:63. mismatched input ']' expecting {IntPosLiteral, FloatPosLiteral}",
  ],
  [
    "[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN 5 HOURS]",
    "FAIL: Error found at line 1:65. mismatched input 'HOURS' expecting 'SECONDS'",
  ],
  [
    "[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN -5 SECONDS]",
    "FAIL: Error found at line 1:63. mismatched input '-5' expecting {IntPosLiteral, FloatPosLiteral}",
  ],
  [
    '[network-traffic:dst_ref.value ISSUBSET ]',
    "FAIL: Error found at line 1:40. missing StringLiteral at ']'",
  ],
  [
    "[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']",
    "FAIL: Error found at line 1:18. extraneous input '?'",
  ],
  [
    "[x_whatever:detected == t'2457-73-22T32:81:84.1Z']",
    "FAIL: Error found at line 1:24. extraneous input 't'",
  ],
  ["[artifact:payload_bin = b'====']", "FAIL: Error found at line 1:24. extraneous input 'b'"],
  [
    '[foo:bar=1] within 2 seconds',
    "FAIL: Error found at line 1:12. mismatched input 'within' expecting <EOF>",
  ],
  ["[file:hashes.'SHA-256' = 'f00']", "FAIL: 'f00' is not a valid SHA-256 hash"],
  [
    "[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
    'FAIL: Duplicate qualifier type encountered: WITHIN',
  ],
  [
    "([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] REPEATS 2 TIMES REPEATS 3 TIMES)",
    'FAIL: Duplicate qualifier type encountered: REPEATS',
  ],
  [
    "[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'",
    'FAIL: Duplicate qualifier type encountered: STARTSTOP',
  ],
];

export const TIMESTAMP_FAIL_CASES: readonly string[] = [
  "[x:created = t'2024-13-01T12:00:00Z']",
  "[x:created = t'2024-00-01T12:00:00Z']",
  "[x:created = t'2024-01-32T12:00:00Z']",
  "[x:created = t'2024-01-00T12:00:00Z']",
  "[x:created = t'2024-01-15T25:00:00Z']",
  "[x:created = t'2024-01-15T12:60:00Z']",
  "[x:created = t'2024-01-15T12:30:61Z']",
  "[x:created = t'2024-01-15T12:30:45']",
  "[x:created = t'not-a-timestamp']",
  "[x:created = t'2024/01/15T12:30:45Z']",
];
