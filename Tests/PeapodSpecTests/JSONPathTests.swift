// kubectl's JSONPath dialect against client-go's documented examples (the jsonpath reference
// page's store document and its outputs).

import PeapodSpec
import Testing

private let store = try! JSONValue.parse("""
    {
      "kind": "List",
      "items": [
        {"kind": "None", "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
         "status": {"capacity": {"cpu": "4"}, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
        {"kind": "None", "metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
         "status": {"capacity": {"cpu": "8"}, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"},
                                                           {"type": "another", "address": "127.0.0.3"}]}}
      ],
      "users": [
        {"name": "myself", "user": {}},
        {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
      ],
      "numbers": [1, 2.5, 3, 4, 5],
      "flag": true
    }
    """)

private func run(_ template: String, _ root: JSONValue = store) throws -> String {
    try JSONPath(parsing: template).execute(root)
}

@Suite("JSONPath: kubectl's dialect")
struct JSONPathTests {
    @Test("Fields, the root, wildcards, indexes, slices, unions")
    func basics() throws {
        #expect(try run("{.kind}") == "List")
        #expect(try run("{$.kind}") == "List")
        #expect(try run("{kind}") == "List")
        #expect(try run("{.items[*].metadata.name}") == "127.0.0.1 127.0.0.2")
        #expect(try run("{.items[0].metadata.name}") == "127.0.0.1")
        #expect(try run("{.items[-1].metadata.name}") == "127.0.0.2")
        #expect(try run("{.numbers[1:3]}") == "2.5 3")
        #expect(try run("{.numbers[::2]}") == "1 3 5")
        #expect(try run("{.numbers[-2:]}") == "4 5")
        #expect(try run("{.numbers[3:100]}") == "4 5")
        #expect(try run("{.numbers[0,2]}") == "1 3")
        #expect(try run("{.users[0]['name','user']}") == "myself {}")
        #expect(try run("{.items[0].metadata.labels['kubernetes.io/hostname']}") == "127.0.0.1")
        #expect(try run("{.items[0].metadata.labels.kubernetes\\.io/hostname}") == "127.0.0.1")
        #expect(try run("{.users[1].user.*}") == "admin secret")
        #expect(try run("{.flag} {.numbers[1]}") == "true 2.5")
        #expect(try run("{.users[1].user}") == #"{"username":"admin","password":"secret"}"#)
        #expect(try run("{.missing}") == "")
        #expect(throws: JSONPathError.self) { try JSONPath(parsing: "{.missing}").execute(store, allowMissingKeys: false) }
        #expect(throws: JSONPathError.self) { try run("{.numbers[9]}") }
        #expect(try run("text only") == "text only")
        #expect(try run("{.}", .string("x")) == "x")
    }

    @Test("Recursive descent")
    func recursive() throws {
        #expect(try run("{..name}") == "127.0.0.1 127.0.0.2 myself e2e")
        #expect(try run("{.items..address}") == "127.0.0.1 127.0.0.2 127.0.0.3")
        #expect(try run("{..cpu}") == "4 8")
    }

    @Test("Filters: comparisons with literals and paths, existence")
    func filters() throws {
        #expect(try run(#"{.users[?(@.name=="e2e")].user.password}"#) == "secret")
        #expect(try run("{.users[?(@.name!='e2e')].name}") == "myself")
        #expect(try run("{.users[?(@.user.username)].name}") == "e2e")
        #expect(try run("{.items[*].status.addresses[?(@.type==\"another\")].address}") == "127.0.0.3")
        #expect(try run("{.items[?(@.status.capacity.cpu>'5')].metadata.name}") == "127.0.0.2")
        let numbers = try JSONValue.parse(#"{"a":[{"n":1},{"n":5},{"n":10}],"limit":5}"#)
        #expect(try run("{.a[?(@.n>=5)].n}", numbers) == "5 10")
        #expect(try run("{.a[?(@.n<$.limit)].n}", numbers) == "1")
        #expect(try run("{.a[?(@.n==5.0)].n}", numbers) == "5")
    }

    @Test("range, end and quoted literals with escapes")
    func ranges() throws {
        #expect(try run(#"{range .items[*]}[{.metadata.name}, {.status.capacity.cpu}]{"\n"}{end}"#)
            == "[127.0.0.1, 4]\n[127.0.0.2, 8]\n")
        #expect(try run(#"{range .items[*]}{.metadata.name}{range .status.addresses[*]}{'\t'}{.type}{end}{"\n"}{end}"#)
            == "127.0.0.1\tLegacyHostIP\n127.0.0.2\tLegacyHostIP\tanother\n")
        #expect(try run(#"{"\u0041\"q\""}"#) == "A\"q\"")
    }

    @Test("Parse errors say what and where, as client-go's")
    func errors() {
        for (template, message) in [
            ("{.kind", "unclosed action"), ("{range .items[*]}{.kind}", "range without end"), ("{end}", "not in range"),
            ("{.items[0}", "unrecognized character"), ("{.items[?(@.a=~1)]}", "unrecognized"),
        ] {
            do {
                _ = try JSONPath(parsing: template)
                Issue.record("\(template) parsed")
            } catch {
                #expect(error.message.hasPrefix("error parsing jsonpath \(template), "), "\(error)")
                #expect(error.message.containsText(message), "\(template): \(error)")
            }
        }
    }

    @Test("Relaxed expressions for custom columns and --sort-by; results and comparisons")
    func relaxed() throws {
        for text in [".kind", "kind", "{.kind}", "{kind}"] {
            #expect(try JSONPath.relaxed(text).execute(store) == "List", "\(text)")
        }
        #expect(throws: JSONPathError.self) { try JSONPath.relaxed("{}") }
        #expect(try JSONPath(parsing: "{.items[*].kind}{.flag}").findResults(store)
            == [[.string("None"), .string("None")], [.bool(true)]])
        #expect(JSONPath.compare(.int(2), .double(10)) == -1)
        #expect(JSONPath.compare(.string("b"), .string("a")) == 1)
        #expect(JSONPath.compare(.string("1"), .int(1)) == nil)
    }
}
