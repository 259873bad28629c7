/// What a libxml2 error code means, in our words. libxml2's own messages quote the input
/// (element and entity names, attribute names, the offending bytes), which is patient data or a
/// hostile input's marker; only the code and the line are used from it.
enum XMLErrorText {
    static func describe(_ code: Int32) -> String {
        switch code {
        case 2: "libxml2 ran out of memory"
        case 3, 4: "the document has no root element"
        case 5: "content follows the end of the root element"
        case 8: "a character reference is invalid"
        case 9: "a character not allowed in XML, or bytes that are not UTF-8"
        case 23: "an entity reference lacks its ';'"
        case 26, 27: "an undeclared entity is referenced"
        case 32: "the declared encoding is not supported"
        case 38: "an attribute value contains '<'"
        case 39, 41, 84: "an attribute has no quoted value"
        case 42: "an attribute appears twice in one element"
        case 44: "a quoted value is not closed"
        case 45: "a comment is not closed"
        case 47: "a processing instruction is not closed"
        case 57: "the XML declaration is not closed"
        case 62, 63: "a CDATA section is malformed"
        case 64: "a reserved name is used"
        case 65: "a space is missing"
        case 68: "a name is missing or malformed"
        case 73: "'>' is missing"
        case 74: "'</' is missing"
        case 75: "'=' is missing after an attribute name"
        case 76: "an end tag does not match its start tag"
        case 77: "the document ends inside an element"
        case 79: "the encoding name is malformed"
        case 80: "a comment contains '--'"
        case 81: "the bytes are not valid in the declared encoding (UTF-8)"
        case 89: "entities refer to each other in a loop"
        case 201: "a namespace prefix is not declared"
        default: "the document is not well-formed XML"
        }
    }
}
