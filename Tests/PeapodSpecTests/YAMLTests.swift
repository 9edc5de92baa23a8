import Testing
@testable import PeapodManifest
@testable import PeapodSpec

/// YAML text → documents (Manifest.parseDocuments): structure, YAML 1.1 scalar resolution as
/// sigs.k8s.io/yaml does it, anchors and merge keys, and the text and position of errors.
@Suite struct YAMLTests {
    /// The documents of `text`, each as compact JSON ("null" for an empty or null document).
    func documents(_ text: String) throws -> [String] {
        try Manifest.parseDocuments(text).map { $0?.serialized(pretty: false) ?? "null" }
    }

    func json(_ text: String) throws -> String {
        let docs = try documents(text)
        try #require(docs.count == 1, "\(docs)")
        return docs[0]
    }

    /// The error parsing `text`: its message and the position in its stage.
    func failure(_ text: String) -> (message: String, line: Int?, column: Int?)? {
        do {
            _ = try Manifest.parseDocuments(text)
            return nil
        } catch {
            guard case .syntax(let line, let column) = error.stage else { return (error.description, nil, nil) }
            return (error.description, line, column)
        }
    }

    func expectFailure(_ text: String, _ message: String, line: Int?, column: Int?,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        guard let f = failure(text) else {
            Issue.record("expected an error: \(message)", sourceLocation: sourceLocation)
            return
        }
        #expect(f.message == message, sourceLocation: sourceLocation)
        #expect(f.line == line && f.column == column, "at \(String(describing: f.line)):\(String(describing: f.column))",
                sourceLocation: sourceLocation)
    }

    // MARK: Structure

    @Test func multiDocumentStreamsKeepEmptyAndNullDocuments() throws {
        #expect(try documents("---\na: 1\n---\n# only a comment\n---\n~\n--- null\n---\nb: [x]\n...\n")
                == [#"{"a":1}"#, "null", "null", "null", #"{"b":["x"]}"#])
        #expect(try documents("--- |\n  x\n--- >\n  y\n--- 'z'") == [#""x\n""#, #""y\n""#, #""z""#])
        #expect(try documents("%YAML 1.1\n---\na: 1\n") == [#"{"a":1}"#])
        #expect(try documents("# nothing but a comment\n").isEmpty)
        #expect(try documents("---\n").count == 1)
    }

    @Test func flowStyleQuotingBlockScalarsAndComments() throws {
        #expect(try json("a: {b: [1, {c: d}], 'e': f}\ng: [h, i]") == #"{"a":{"b":[1,{"c":"d"}],"e":"f"},"g":["h","i"]}"#)
        let text = "a: 'yes'\nb: \"1\"\nc: 'it''s'\nd: \"\\t\\u00e9\\x41\"\ne: |\n  l1\n  l2\nf: >\n  f1\n  f2\n\n  f3\n"
            + "g: |-\n  s\nh: |+\n  k\n\ni: x # comment\n"
        #expect(try json(text) == #"{"a":"yes","b":"1","c":"it's","d":"\téA","e":"l1\nl2\n","f":"f1 f2\nf3\n","g":"s","h":"k\n\n","i":"x"}"#)
    }

    // MARK: Scalars (YAML 1.1, go-yaml v2)

    @Test func yaml11BooleansAndNulls() throws {
        #expect(try json("a: [yes, Yes, YES, y, Y, on, On, ON, true, True, TRUE, no, No, NO, n, N, off, Off, OFF, false, False, FALSE, tRUE, yES, oN]")
                == #"{"a":[true,true,true,true,true,true,true,true,true,true,true,false,false,false,false,false,false,false,false,false,false,false,"tRUE","yES","oN"]}"#)
        #expect(try json("a: [~, null, Null, NULL, nULL, '', \"null\"]\nb:\nc: !!null x")
                == #"{"a":[null,null,null,null,"nULL","","null"],"b":null,"c":null}"#)
    }

    @Test func numbers() throws {
        #expect(try json("a: [0x1F, 0o17, 017, 0b101, -0b101, 1_000, 1.0, 1.5, .5, +1, -0, 1e3, 9223372036854775807, 9223372036854775808, 1:20, 2026-01-02, 08, 0x, 1.2.3]")
                == #"{"a":[31,15,15,5,-5,1000,1,1.5,0.5,1,0,1000,9223372036854775807,9223372036854776000,"1:20","2026-01-02",8,"0x","1.2.3"]}"#)
        expectFailure("a: .inf", "document 1: error parsing YAML: yaml: line 1: .inf cannot be represented in JSON", line: 1, column: 4)
        expectFailure("a:\n  b: .NaN", "document 1: error parsing YAML: yaml: line 2: .NaN cannot be represented in JSON", line: 2, column: 6)
    }

    @Test func tags() throws {
        #expect(try json("a: [!!str 1, !!int '12', !!bool yes, !!float '1', !x 12, ! 12, !!binary aGk=, !!str yes, !!timestamp 2026-01-02]")
                == #"{"a":["1",12,true,1,12,"12","aGk=","yes","2026-01-02"]}"#)
        // A tagged scalar is resolved by its text: any number passes as !!bool.
        #expect(try json("a:\n  - !!bool '1'") == #"{"a":[1]}"#)
        expectFailure("a: 1\nb: !!int x", #"document 1: error parsing YAML: yaml: line 2: cannot decode "x" as tag:yaml.org,2002:int"#,
                      line: 2, column: 4)
    }

    @Test func keysAreResolvedThenWrittenAsStrings() throws {
        #expect(try json("1: a\n1.0: b\nyes: c\n~: d\n0x10: e\n'2': f\n!!int '3': g\n!!str 4: h\n.5: i")
                == #"{"1":"b","true":"c","null":"d","16":"e","2":"f","3":"g","4":"h","0.5":"i"}"#)
        expectFailure("? [a]\n: 1", "document 1: error parsing YAML: yaml: line 1: mapping keys must be scalars", line: 1, column: 3)
    }

    /// A byte order mark inside a scalar is part of its text (only a leading one starts the stream).
    @Test func byteOrderMarkInsideAScalarIsKept() throws {
        #expect(try json("a: \u{FEFF}") == "{\"a\":\"\u{FEFF}\"}")
        #expect(try json("a: \u{FEFF}yes") == "{\"a\":\"\u{FEFF}yes\"}")
        #expect(try json("\u{FEFF}a: 1") == #"{"a":1}"#)
    }

    // MARK: Duplicate keys

    @Test func duplicateKeys() throws {
        expectFailure("apiVersion: v1\nkind: Pod\nkind: Pod\n",
                      #"document 1: error parsing YAML: yaml: line 2, column 1: mapping key "kind" already defined"#, line: 2, column: 1)
        // Every duplicated key, sorted, at the first occurrence of the first one.
        expectFailure("b: 1\na: 1\nb: 2\na: 2\nc: 1",
                      #"document 1: error parsing YAML: yaml: line 2, column 1: mapping key "a", "b" already defined"#, line: 2, column: 1)
        // Plain and quoted forms of one text are the same key ...
        expectFailure("x: 0\n1: a\n'1': b",
                      #"document 1: error parsing YAML: yaml: line 2, column 1: mapping key "1" already defined"#, line: 2, column: 1)
        // ... an explicitly tagged one is another key, and the later value wins.
        #expect(try json("1: a\n!!int 1: b") == #"{"1":"b"}"#)
        #expect(try json("a: {x: 1}\nb: {x: 2}") == #"{"a":{"x":1},"b":{"x":2}}"#)
    }

    // MARK: Anchors, aliases, merge keys

    @Test func anchorsAndAliases() throws {
        // An alias repeats its node; a redefined anchor applies from there on.
        #expect(try json("a: &x [1, {b: 2}]\nb: *x\nc: &x 3\nd: *x") == #"{"a":[1,{"b":2}],"b":[1,{"b":2}],"c":3,"d":3}"#)
        // A scalar keeps its type where an alias of it is also a key.
        #expect(try json("a: &x 1\n*x : b\nc: *x") == #"{"a":1,"1":"b","c":1}"#)
        // Anchors stay defined in the stream's later documents.
        #expect(try documents("a: &x 1\n---\nb: *x") == [#"{"a":1}"#, #"{"b":1}"#])
        expectFailure("a: 1\nb:\n  - *nope", "document 1: error parsing YAML: yaml: line 3, column 5: found undefined alias", line: 3, column: 5)
        // An anchor is defined once its node is complete: no recursive structures.
        expectFailure("a: &a [1, *a]", "document 1: error parsing YAML: yaml: line 1, column 11: found undefined alias", line: 1, column: 11)
    }

    @Test func aliasExpansionIsBounded() throws {
        #expect(YAMLLoader.nodeBudget == 2_000_000)
        // A billion laughs: 10 aliases of 10 aliases of ... (smaller budget: quicker in debug builds).
        let lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
            + (1..<4).map { i in "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]" }
        let text = lines.joined(separator: "\n")
        // 1 mapping + 11 + 111 + 1111 + 11111 nodes.
        #expect(try YAMLLoader.documents(text, nodeBudget: 12_345).count == 1)
        do {
            _ = try YAMLLoader.documents(text, nodeBudget: 12_344)
            Issue.record("expected the budget to be exceeded")
        } catch {
            #expect(error.message == "yaml: document too large (alias expansion exceeds 12344 nodes)")
            #expect(error.document == 1 && error.line == nil)
        }
        // The budget is for the whole stream.
        #expect(throws: YAMLLoadError.self) { try YAMLLoader.documents(text + "\n---\n" + text, nodeBudget: 20_000) }
    }

    // Keys made of nested aliases (each level 10 aliases of the one below): the duplicate check
    // spelled out each key's members, 10^9 nodes for `*a8`, before the node budget could stop
    // anything (a 442-byte manifest ran until stopped). Each distinct subtree is now looked at
    // once.
    @Test func keysMadeOfNestedAliasesAreComparedOnce() throws {
        let levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
            + (1..<9).map { i in "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]" }
        let different = (levels + ["k:", "  ? *a8", "  : 1", "  ? *a7", "  : 2"]).joined(separator: "\n")
        // The node budget then stops the expansion of a8 itself.
        #expect(throws: YAMLLoadError.self) { try YAMLLoader.documents(different) }
        let duplicated = (levels + ["k:", "  ? *a8", "  : 1", "  ? [x]", "  : 2", "  ? *a8", "  : 3"]).joined(separator: "\n")
        do {
            _ = try YAMLLoader.documents(duplicated)
            Issue.record("expected a duplicate key")
        } catch {
            // At the aliased node, where the key is written first.
            #expect(error.message == #"yaml: line 9, column 5: mapping key "<uncovertable>" already defined"#)
        }
    }

    // Aliases of deep nodes inside deep nodes: the parser bounds the nesting of the text, not of
    // the tree with aliases expanded, and converting 40 levels of 900 ran out of stack.
    @Test func nestingThroughAliasesIsBounded() throws {
        let deep = (0..<40).map { k in
            "- &a\(k) " + String(repeating: "[", count: 900) + (k == 0 ? "x" : "*a\(k - 1)") + String(repeating: "]", count: 900)
        }.joined(separator: "\n")
        do {
            _ = try YAMLLoader.documents(deep)
            Issue.record("expected the nesting to be refused")
        } catch {
            #expect(error.message == "yaml: line 2, column 806: aliases nest this collection deeper than 1000 levels")
        }
        // Up to the bound, aliases nest as they are written.
        let fits = "- &a " + String(repeating: "[", count: 500) + "x" + String(repeating: "]", count: 500)
            + "\n- " + String(repeating: "[", count: 499) + "*a" + String(repeating: "]", count: 499)
        #expect(try YAMLLoader.documents(fits).count == 1)
    }

    @Test func mergeKeys() throws {
        let text = """
        base: &b {image: busybox, name: a}
        extra: &e {name: e, port: 1}
        c1:
          <<: *b
          name: c1
        c2:
          <<: [*e, *b]
        c3: {'<<': x}
        """
        // Explicit keys win over merged ones, earlier sources over later ones; a quoted << is a key.
        #expect(try json(text) == #"{"base":{"image":"busybox","name":"a"},"extra":{"name":"e","port":1},"#
                + #""c1":{"name":"c1","image":"busybox"},"c2":{"name":"e","port":1,"image":"busybox"},"c3":{"\u003c\u003c":"x"}}"#)
        expectFailure("base: 1\nc:\n  <<: [{a: 1}, 2]",
                      "document 1: error parsing YAML: yaml: map merge requires map or sequence of maps as the value", line: 3, column: 16)
    }

    // MARK: Syntax errors

    @Test func syntaxErrorsCarryDocumentLineAndColumn() {
        expectFailure("a: 1\n---\nb: [1, 2\n",
                      "document 2: error parsing YAML: yaml: line 4, column 1: while parsing a flow sequence did not find expected ',' or ']'",
                      line: 4, column: 1)
        expectFailure("a:\n  b: 1\n   c: 2",
                      "document 1: error parsing YAML: yaml: line 3, column 5: mapping values are not allowed in this context", line: 3, column: 5)
        expectFailure("a: 'x\n",
                      "document 1: error parsing YAML: yaml: line 2, column 1: while scanning a quoted scalar found unexpected end of stream",
                      line: 2, column: 1)
        expectFailure("a:\n\t- b",
                      "document 1: error parsing YAML: yaml: line 2, column 1: while scanning for the next token found character that cannot start any token",
                      line: 2, column: 1)
        expectFailure("a: !e!x 1",
                      "document 1: error parsing YAML: yaml: line 1, column 4: while parsing a node found undefined tag handle", line: 1, column: 4)
        expectFailure("%YAML 2.0\n---\na: 1\n",
                      "document 1: error parsing YAML: yaml: line 1, column 1: found incompatible YAML document", line: 1, column: 1)
        // Columns count characters, not bytes.
        expectFailure("é: ü\n  bad: [",
                      "document 1: error parsing YAML: yaml: line 2, column 6: mapping values are not allowed in this context", line: 2, column: 6)
        // Reader errors have no position.
        expectFailure("a: \u{1}", "document 1: error parsing YAML: yaml: control characters are not allowed", line: nil, column: nil)
    }

    @Test func nestingIsLimited() throws {
        let deep = 999
        #expect(try json("a: " + String(repeating: "[", count: deep) + String(repeating: "]", count: deep)).hasPrefix(#"{"a":[[["#))
        let block = (0..<1000).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n") + " v"
        expectFailure(block, "document 1: error parsing YAML: yaml: line 1000, column 1000: while parsing "
                          + "Maximum nesting level reached, set with yaml_set_max_nest_level())", line: 1000, column: 1000)
    }
}
